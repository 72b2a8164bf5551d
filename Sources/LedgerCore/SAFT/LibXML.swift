import CLibXML2

/// One-time libxml2 initialisation (thread-safe in libxml2 ≥ 2.9 when done once up front).
enum LibXML {
  /// Call before any libxml2 use; cheap after the first call.
  static func initialize() { _ = initialized }

  private static let initialized: Bool = {
    xmlInitParser()
    return true
  }()
}
