import Foundation
import Yams

extension MappingProfile {
  /// `base` (a profile file) with a client's overrides merged in: `accounts`, `vatCodes`,
  /// `dimensions`, `clearing` and `suspense` entries replace or add to the profile's by key;
  /// `rules` are put in front of the profile's rules (so they win). The merged profile is checked
  /// like any profile.
  ///
  /// - Parameters:
  ///   - base: Path of the profile file.
  ///   - overrides: The overrides as YAML.
  ///   - label: Names the result in errors, e.g. `mappings/no-sales.yaml + overrides of client acme`.
  public static func load(contentsOf base: String, overrides: String, label: String) throws
    -> MappingProfile
  {
    let text: String
    do {
      text = try String(contentsOfFile: base, encoding: .utf8)
    } catch {
      throw MappingProfileError(
        .fileUnreadable, file: base, line: nil, "cannot read mapping profile")
    }
    guard case .mapping(var profile)? = try Yams.compose(yaml: text) else {
      throw MappingProfileError(.syntax, file: base, line: 1, "not a mapping profile")
    }
    guard case .mapping(let extra)? = try Yams.compose(yaml: overrides) else {
      throw MappingProfileError(
        .typeMismatch, file: label, line: nil, "overrides must be a mapping")
    }
    let mergeable = ["accounts", "vatCodes", "dimensions", "clearing", "suspense"]
    for (key, value) in extra {
      let name = key.string ?? ""
      if mergeable.contains(name) {
        guard case .mapping(let additions) = value else {
          throw MappingProfileError(
            .typeMismatch, file: label, line: nil, "overrides.\(name) must be a mapping")
        }
        var merged: Node.Mapping = profile[name]?.mapping ?? Node.Mapping([])
        for (entryKey, entryValue) in additions { merged[entryKey] = entryValue }
        profile[name] = .mapping(merged)
      } else if name == "rules" {
        guard case .sequence(let rules) = value else {
          throw MappingProfileError(
            .typeMismatch, file: label, line: nil, "overrides.rules must be a list")
        }
        let existing = profile["rules"]?.sequence.map(Array.init) ?? []
        profile["rules"] = .sequence(Node.Sequence(Array(rules) + existing))
      } else {
        throw MappingProfileError(
          .unknownKey, file: label, line: nil,
          "unknown key '\(name)' in overrides (expected one of: \((mergeable + ["rules"]).joined(separator: ", ")))"
        )
      }
    }
    let yaml = try Yams.serialize(node: .mapping(profile))
    var result = try MappingProfile.load(yaml: yaml, path: label)
    result.sha256 = SHA256.hex(Array(text.utf8) + Array(overrides.utf8))
    return result
  }
}
