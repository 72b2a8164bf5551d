import Foundation
import Yams

/// Strict decoding of a YAML configuration file into a `Decodable` type, with errors naming the
/// file, the 1-based line and the key (the same machinery as mapping profiles).
enum YAMLFile {
  /// Reads and decodes `path`.
  ///
  /// - Returns: The value and the SHA-256 of the file's bytes.
  /// - Throws: ``MappingProfileError`` (`file:line: message`).
  static func load<T: Decodable>(_ type: T.Type, contentsOf path: String, what: String) throws -> (
    T, String
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw MappingProfileError(
        .fileUnreadable, file: path, line: nil, "cannot read \(what): \(error.localizedDescription)"
      )
    }
    guard let yaml = String(validating: data, as: UTF8.self) else {
      throw MappingProfileError(.fileUnreadable, file: path, line: nil, "not valid UTF-8")
    }
    return (try decode(type, yaml: yaml, path: path, what: what), SHA256.hex(data))
  }

  /// Decodes YAML text; `path` is used in errors.
  static func decode<T: Decodable>(_ type: T.Type, yaml: String, path: String, what: String) throws
    -> T
  {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: yaml) else {
        throw MappingProfileError(.syntax, file: path, line: 1, "empty \(what)")
      }
      root = node
    } catch let error as YamlError {
      throw MappingProfile.syntaxError(error, file: path)
    }
    let locator = NodeLocator(root: root)
    let keyed = try MappingProfile.normalizingKeys(root, file: path)
    do {
      return try YAMLDecoder().decode(T.self, from: keyed)
    } catch let issue as ProfileIssue {
      throw locator.error(for: issue, file: path)
    } catch let error as DecodingError {
      throw locator.error(for: error, file: path)
    }
  }
}
