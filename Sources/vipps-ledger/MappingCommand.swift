import ArgumentParser
import LedgerCore

struct MappingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mapping",
    abstract: "Work with mapping profiles.",
    subcommands: [Check.self]
  )

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Validate a mapping profile: keys, accounts, VAT codes, rules, templates.")

    @Argument(help: "The profile (YAML) to check.")
    var file: String

    func run() throws {
      let profile: MappingProfile
      do {
        profile = try MappingProfile.load(contentsOf: file)
      } catch {
        throw UsageError("\(error)")
      }
      print(
        "\(file): ok — profile '\(profile.name)', \(profile.rules.count) rules, "
          + "\(profile.accounts.count) accounts, sha256 \(profile.sha256)")
    }
  }
}
