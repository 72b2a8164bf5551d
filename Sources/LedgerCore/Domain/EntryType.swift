#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `entryType` of a Report API entry: an open set.
///
/// Known types are cases; anything else is kept verbatim in ``unknown(_:)`` so it is
/// never dropped and stays visible in reports.
public enum EntryType: Hashable, Sendable, Comparable, CustomStringConvertible {
  case capture
  case refund
  case feesRetained
  case feesInvoiced
  case payoutScheduled
  /// The 2023 name of ``payoutScheduled``; kept distinct so outputs show what Vipps sent.
  case scheduledForPayout
  case payoutAborted
  case retainedDisputedCapture
  case returnedDisputedCapture
  case correction
  case captureFee
  case serviceFee
  case topUp
  case creditNote
  /// A type the documentation does not list, exactly as received.
  case unknown(String)

  /// Every documented entry type.
  public static let known: [EntryType] = [
    .capture, .refund, .feesRetained, .feesInvoiced, .payoutScheduled, .scheduledForPayout,
    .payoutAborted, .retainedDisputedCapture, .returnedDisputedCapture, .correction, .captureFee,
    .serviceFee, .topUp, .creditNote,
  ]

  /// Parses the UTF-8 bytes of a type name, without making a `String` for a known type.
  init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
    for (name, type) in Self.knownNames where name.utf8CodeUnitCount == bytes.count {
      if memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0 {
        self = type
        return
      }
    }
    self.init(rawValue: String(decoding: bytes, as: UTF8.self))
  }

  /// The position of a known type in a fixed list (for bit sets); `nil` for an unknown type.
  var knownIndex: Int? {
    switch self {
    case .capture: 0
    case .refund: 1
    case .feesRetained: 2
    case .feesInvoiced: 3
    case .payoutScheduled: 4
    case .scheduledForPayout: 5
    case .payoutAborted: 6
    case .retainedDisputedCapture: 7
    case .returnedDisputedCapture: 8
    case .correction: 9
    case .captureFee: 10
    case .serviceFee: 11
    case .topUp: 12
    case .creditNote: 13
    case .unknown: nil
    }
  }

  /// The name of a known type, without making a `String`.
  var knownName: StaticString? {
    knownIndex.map { Self.knownNames[$0].0 }
  }

  private static let knownNames: [(StaticString, EntryType)] = [
    ("capture", .capture), ("refund", .refund), ("fees-retained", .feesRetained),
    ("fees-invoiced", .feesInvoiced), ("payout-scheduled", .payoutScheduled),
    ("scheduled-for-payout", .scheduledForPayout), ("payout-aborted", .payoutAborted),
    ("retained-disputed-capture", .retainedDisputedCapture),
    ("returned-disputed-capture", .returnedDisputedCapture), ("correction", .correction),
    ("capture-fee", .captureFee), ("service-fee", .serviceFee), ("top-up", .topUp),
    ("credit-note", .creditNote),
  ]

  public init(rawValue: String) {
    switch rawValue {
    case "capture": self = .capture
    case "refund": self = .refund
    case "fees-retained": self = .feesRetained
    case "fees-invoiced": self = .feesInvoiced
    case "payout-scheduled": self = .payoutScheduled
    case "scheduled-for-payout": self = .scheduledForPayout
    case "payout-aborted": self = .payoutAborted
    case "retained-disputed-capture": self = .retainedDisputedCapture
    case "returned-disputed-capture": self = .returnedDisputedCapture
    case "correction": self = .correction
    case "capture-fee": self = .captureFee
    case "service-fee": self = .serviceFee
    case "top-up": self = .topUp
    case "credit-note": self = .creditNote
    default: self = .unknown(rawValue)
    }
  }

  /// The wire name, e.g. `fees-retained`.
  public var rawValue: String {
    switch self {
    case .capture: "capture"
    case .refund: "refund"
    case .feesRetained: "fees-retained"
    case .feesInvoiced: "fees-invoiced"
    case .payoutScheduled: "payout-scheduled"
    case .scheduledForPayout: "scheduled-for-payout"
    case .payoutAborted: "payout-aborted"
    case .retainedDisputedCapture: "retained-disputed-capture"
    case .returnedDisputedCapture: "returned-disputed-capture"
    case .correction: "correction"
    case .captureFee: "capture-fee"
    case .serviceFee: "service-fee"
    case .topUp: "top-up"
    case .creditNote: "credit-note"
    case .unknown(let raw): raw
    }
  }

  /// Whether the documentation lists this type.
  public var isKnown: Bool {
    if case .unknown = self { return false }
    return true
  }

  public var description: String { rawValue }

  public static func < (lhs: EntryType, rhs: EntryType) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension EntryType: Codable {
  public init(from decoder: any Decoder) throws {
    self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}
