import Foundation
import Testing

@testable import LedgerCore

extension SAFTFrameLaneTests {
  // MARK: - Recordings and exports

  /// A recording of ledgers for SAF-T: plain, with unicode text and its currency in two
  /// spellings (its last date open), a broken chain, an entry delivered twice, a date whose fees
  /// are not recorded, an `Int64.min` amount, `NOK` spelled with U+212A KELVIN SIGN now and then,
  /// DKK listed and unlisted, EUR (no rate) listed and unlisted.
  static func record(seed: UInt64, into directory: String, start: LedgerDate, days: Int) throws {
    var random = SplitMix64(seed: seed)
    var ledgers: [Ledger] = []
    func write(_ id: LedgerID, _ day: SyntheticDay, open: Bool = false, fees: Bool = true) throws {
      try FrameLaneTests.record(
        day, ledger: id, into: directory, random: &random, open: open, fees: fees)
    }
    func synthetic(
      _ id: LedgerID, listed: String?, currency: String = "NOK",
      change: (Int, inout SyntheticDay) -> Void = { _, _ in }
    ) throws {
      var generator = SyntheticLedger(
        seed: seed &+ random.next() % 1000, ledgerID: id, currency: currency, start: start,
        entriesPerDay: 12)
      ledgers.append(Ledger(ledgerId: id, currency: listed))
      for index in 0..<days {
        var day = generator.nextDay()
        change(index, &day)
        try write(id, day, fees: !(id == "555555" && index == 2))
      }
    }
    func texts(_ id: LedgerID, listed: String?, currencies: [String], openLast: Bool) throws {
      ledgers.append(Ledger(ledgerId: id, currency: listed))
      var generator = FrameLaneTests.Entries(seed: seed &+ random.next())
      for (index, day) in generator.chainedDays(start: start, days: days, currencies: currencies)
        .enumerated()
      {
        try write(id, day, open: openLast && index == days - 1)
      }
    }

    try synthetic("300119", listed: "NOK")
    try texts(
      LedgerID("é-\(seed)"), listed: "e\u{301}", currencies: ["é", "e\u{301}"], openLast: true)
    try texts("310000", listed: nil, currencies: ["NOK", "NO\u{212A}"], openLast: false)
    try texts("320000", listed: "NOK", currencies: ["NOK"], openLast: false)
    try synthetic("222222", listed: "NOK") { index, day in
      if index == 1 {
        day.funds[2].balanceBefore += 1
        day.funds[2].balanceAfter += 1
      }
    }
    try synthetic("333333", listed: "NOK") { index, day in
      if index == days - 2 { day.funds.insert(day.funds[3], at: 4) }
    }
    try synthetic("555555", listed: "NOK")
    try synthetic("710000", listed: "DKK", currency: "DKK")
    try synthetic("720000", listed: nil, currency: "DKK")
    try synthetic("730000", listed: "EUR", currency: "EUR")
    try synthetic("740000", listed: nil, currency: "EUR")

    ledgers.append(Ledger(ledgerId: "444444", currency: "NOK"))
    for day in FrameLaneTests.overflowDays(start: start, days: days) {
      try write("444444", day)
    }
    try ReplayRecorder(directory: directory).writeLedgers(ledgers)
  }

  /// Runs one export into `directory`.
  static func export(
    _ source: any ReportSource, profile: MappingProfile, from: LedgerDate, to: LedgerDate,
    encoders: [any JournalEncoder], saft: SAFTOptions, usesFrameLane: Bool,
    ledgers: [LedgerID]? = nil, into directory: String
  ) async throws -> RunReport {
    var request = ExportRequest(
      source: source, ledgers: ledgers, from: from, to: to, profile: profile, aggregation: .entry,
      encoders: encoders, outputDirectory: directory, toolVersion: "0.0.0-test", saft: saft)
    request.usesFrameLane = usesFrameLane
    return try await ExportPipeline().run(request)
  }
}
