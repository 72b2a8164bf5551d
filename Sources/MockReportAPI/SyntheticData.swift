import LedgerCore
import Synchronization

/// Serves generated ledgers (``MockServerConfiguration/SyntheticData``), lazily.
///
/// `SyntheticLedger` generates day after day, so serving date `d` means running the generator
/// from the nearest earlier snapshot. A snapshot (the generator's small state before a day) is
/// kept for every day generated so far, about 3 KB per ledger and day; the entries themselves
/// are kept only for a few recently used days. Serving day 365 the first time generates 365
/// days and keeps none of their entries.
final class SyntheticReportData: ReportData {
  let ledgers: [LedgerRecord]
  var usesRecordedLayout: Bool { false }
  private let settings: MockServerConfiguration.SyntheticData
  private let pageSize: Int
  private let indexByID: [LedgerID: Int]
  private let state: Mutex<State>

  private struct DayKey: Hashable {
    var ledger: Int
    var day: Int
  }

  private struct State {
    /// Per ledger, the generator before day `k` at index `k`.
    var snapshots: [[SyntheticLedger]]
    var days = LRUCache<DayKey, SyntheticDay>(capacity: 6)
  }

  init(_ settings: MockServerConfiguration.SyntheticData, pageSize: Int) {
    self.settings = settings
    self.pageSize = pageSize
    var records: [LedgerRecord] = []
    var generators: [[SyntheticLedger]] = []
    for index in 0..<max(0, settings.ledgers) {
      let profile = SyntheticProfile(index: index)
      records.append(
        LedgerRecord(id: profile.id, handles: profile.salesUnits, json: ArraySlice(profile.json)))
      generators.append([
        SyntheticLedger(
          seed: settings.seed &+ UInt64(index), ledgerID: profile.id, currency: profile.currency,
          salesUnits: profile.salesUnits, start: settings.start,
          entriesPerDay: settings.entriesPerDay)
      ])
    }
    ledgers = records
    indexByID = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($1.id, $0) })
    state = Mutex(State(snapshots: generators))
  }

  func datePage(ledger: LedgerID, topic: Topic, date: LedgerDate, cursor: String?, gdpr: Bool)
    throws(ReportDataError) -> [UInt8]
  {
    let dayIndex = date.daysSinceEpoch - settings.start.daysSinceEpoch
    guard let ledgerIndex = indexByID[ledger], dayIndex >= 0, dayIndex < settings.days else {
      // Before the first date: closed and empty. After the last: not there yet.
      guard cursor?.isEmpty ?? true else { throw .invalidCursor }
      return JSONWriter.page(cursor: nil, hasMore: false, tryLater: dayIndex >= 0, items: [])
    }
    let entries = self.entries(ledgerIndex, topic, dayIndex)
    let (range, next) = try Self.pageRange(cursor: cursor, count: entries.count, pageSize: pageSize)
    let items = entries[range].map { Self.encode($0, gdpr: gdpr) }
    return JSONWriter.page(
      cursor: next, hasMore: next != nil, tryLater: isOpen(dayIndex), items: items)
  }

  func feedDates(ledger: LedgerID, topic: Topic) -> [LedgerDate] {
    (0..<max(0, settings.days)).map { settings.start.adding(days: $0) }
  }

  func feedCount(ledger: LedgerID, topic: Topic, date: LedgerDate) -> Int? {
    let dayIndex = date.daysSinceEpoch - settings.start.daysSinceEpoch
    guard let ledgerIndex = indexByID[ledger], dayIndex >= 0, dayIndex < settings.days else {
      return nil
    }
    return entries(ledgerIndex, topic, dayIndex).count
  }

  func feedItems(
    ledger: LedgerID, topic: Topic, date: LedgerDate, range: Range<Int>, gdpr: Bool
  ) -> [ArraySlice<UInt8>] {
    let dayIndex = date.daysSinceEpoch - settings.start.daysSinceEpoch
    guard let ledgerIndex = indexByID[ledger], dayIndex >= 0, dayIndex < settings.days else {
      return []
    }
    let entries = entries(ledgerIndex, topic, dayIndex)
    return entries[range.clamped(to: entries.indices)].map { Self.encode($0, gdpr: gdpr) }
  }

  /// Whether day `dayIndex` is one of the last `openDays`.
  private func isOpen(_ dayIndex: Int) -> Bool {
    dayIndex >= settings.days - settings.openDays
  }

  /// The entries of a day on one topic as served: an open day lacks its closing entries.
  private func entries(_ ledgerIndex: Int, _ topic: Topic, _ dayIndex: Int) -> [LedgerEntry] {
    let day = self.day(ledgerIndex, dayIndex)
    let entries = topic == .funds ? day.funds : day.fees
    guard isOpen(dayIndex) else { return entries }
    return entries.filter { $0.entryType != .feesRetained && $0.entryType != .payoutScheduled }
  }

  /// Generates (or finds) one day, advancing from the nearest snapshot.
  private func day(_ ledgerIndex: Int, _ dayIndex: Int) -> SyntheticDay {
    let key = DayKey(ledger: ledgerIndex, day: dayIndex)
    let (cached, first, snapshot) = state.withLock { state in
      let snapshots = state.snapshots[ledgerIndex]
      let first = min(dayIndex, snapshots.count - 1)
      return (state.days.value(for: key), first, snapshots[first])
    }
    if let cached { return cached }
    var generator = snapshot
    var fresh: [SyntheticLedger] = []
    for _ in first..<dayIndex {
      _ = generator.nextDay()
      fresh.append(generator)
    }
    let day = generator.nextDay()
    if dayIndex + 1 < settings.days { fresh.append(generator) }
    state.withLock { state in
      // `fresh[i]` is the generator before day `first + 1 + i`; keep the ones not yet known.
      let known = state.snapshots[ledgerIndex].count
      for (offset, snapshot) in fresh.enumerated() where first + 1 + offset >= known {
        state.snapshots[ledgerIndex].append(snapshot)
      }
      state.days.insert(day, for: key)
    }
    return day
  }

  /// One entry as JSON; with `gdpr`, Vippsnummer and MyShop captures and refunds get a
  /// made-up payer (name, message, masked phone number) derived from the PSP reference.
  static func encode(_ entry: LedgerEntry, gdpr: Bool) -> ArraySlice<UInt8> {
    var entry = entry
    if gdpr, entry.entryType == .capture || entry.entryType == .refund,
      let handle = entry.recipientHandle, handle.hasPrefix("NO:") || handle.hasPrefix("DK:")
    {
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in entry.pspReference.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
      var random = SplitMix64(seed: hash)
      entry.name = payers[Int(random.next() % UInt64(payers.count))]
      entry.message = messages[Int(random.next() % UInt64(messages.count))]
      let digits = String(1000 + random.next() % 9000).suffix(4)
      entry.maskedPhoneNo = "xxxx \(digits)"
    }
    var writer = JSONWriter(capacity: 320)
    writer.entry(entry, gdpr: gdpr)
    return ArraySlice(writer.bytes)
  }

  private static let payers = [
    "Kari Nordmann", "Ola Nordmann", "Solveig Hæreid", "Lars Ås", "Nora Berg", "Emil Haugen",
    "Sigrid Ødegaard", "Magnus Vik", "Mette Jørgensen", "Søren Kierkegaard",
  ]
  private static let messages = ["", "", "Kaffe", "Takk!", "Vaffel m/ brunost", "Lunsj 🙂"]
}

/// The made-up identity of synthetic ledger `index`.
struct SyntheticProfile {
  let id: LedgerID
  let currency: String
  let salesUnits: [String]
  let json: [UInt8]

  init(index: Int) {
    let isDanish = index % 3 == 2
    id = LedgerID(String(100_001 + index))
    currency = isDanish ? "DKK" : "NOK"
    salesUnits =
      isDanish
      ? ["DK:\(90_601 + 10 * index)"]
      : ["NO:\(123_455 + 10 * index)", "NO:\(123_456 + 10 * index)", "api:\(654_321 + 10 * index)"]
    let country = isDanish ? "DK" : "NO"
    let owner =
      isDanish
      ? ("business:DK:CVR", String(16_427_888 + index))
      : ("business:NO:ORG", String(999_888_001 + index))
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("ledgerId", id.rawValue)
    writer.string("currency", currency)
    writer.beginObject("payoutBankAccount")
    writer.string("scheme", "BBAN:\(country)")
    writer.string(
      "id", isDanish ? String(1_234_123_412_341_234 + index) : String(15_030_012_345 + index))
    writer.endObject()
    writer.beginObject("owner")
    writer.string("scheme", owner.0)
    writer.string("id", owner.1)
    writer.endObject()
    writer.beginArray("settlesForRecipientHandles")
    for handle in salesUnits { writer.string(nil, handle) }
    writer.endArray()
    writer.beginArray("salesUnits")
    for (number, handle) in salesUnits.enumerated() {
      writer.beginObject()
      writer.string("name", "Synthetic shop \(index + 1)-\(number + 1)")
      writer.string("recipientHandle", handle)
      writer.beginObject("businessIdentifier")
      writer.string("scheme", owner.0)
      writer.string("id", owner.1)
      writer.endObject()
      writer.endObject()
    }
    writer.endArray()
    writer.endObject()
    json = writer.bytes
  }
}
