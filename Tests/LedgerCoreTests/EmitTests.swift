import Foundation
import Testing

@testable import LedgerCore

@Suite struct EmitTests {
  static let day = LedgerDate(year: 2025, month: 10, day: 21) ?? LedgerDate(daysSinceEpoch: 0)

  static func source(
    _ topic: Topic, _ type: EntryType, psp: String? = nil, reference: String? = nil,
    salesUnit: String? = nil, position: Int? = nil, count: Int = 1
  ) -> LineSource {
    LineSource(
      ledgerID: "123456", topic: topic, ledgerDate: day, entryType: type, pspReference: psp,
      reference: reference, salesUnit: salesUnit, position: position, entryCount: count)
  }

  /// A capture with VAT split off, and a daily fee voucher with awkward text.
  static let vouchers: [Voucher] = {
    let capture = source(
      .funds, .capture, psp: "psp-1", reference: "1001", salesUnit: "12345", position: 1)
    let vat = VATInfo(code: "3", rateBasisPoints: 2500, baseMinorUnits: -10000)
    let fee = source(.fees, .feesRetained, salesUnit: "<&>", count: 2)
    return [
      Voucher(
        id: "123456-20251021-funds-1", date: day, ledgerID: "123456",
        description: "Vipps ordre 1001",
        lines: [
          JournalLine(
            account: "1579", accountName: "Vipps clearing", amount: 12500, currency: "NOK",
            description: "Ordre 1001", source: capture),
          JournalLine(
            account: "3000", accountName: "Salgsinntekt", amount: -10000, currency: "NOK", vat: vat,
            description: "Ordre 1001", dimensions: ["prosjekt": "P1", "avdeling": "10"],
            source: capture),
          JournalLine(
            account: "2700", accountName: "Utgående mva", amount: -2500, currency: "NOK", vat: vat,
            description: "Ordre 1001", source: capture),
        ]),
      Voucher(
        id: "123456-20251021-fees", date: day, ledgerID: "123456", description: "Gebyr\u{1}",
        lines: [
          JournalLine(
            account: "7770", accountName: "Gebyr\tVipps", amount: 300, currency: "NOK",
            description: "=SUM(A1)", source: fee),
          JournalLine(
            account: "1579", accountName: "Vipps clearing", amount: -300, currency: "NOK",
            description: "Kari \"K\" Ås, Bergen\nlinje2", source: fee),
          JournalLine(
            account: "7790", accountName: "Øredifferanse", amount: 0, currency: "NOK",
            description: "-avrunding", source: fee),
        ]),
    ]
  }()

  static let metadata = ExportMetadata(
    toolVersion: "0.1.0", from: LedgerDate(year: 2025, month: 10, day: 20) ?? day,
    to: LedgerDate(year: 2025, month: 10, day: 27) ?? day, profileName: "no-sales",
    profileSHA256: String(repeating: "ab", count: 32), aggregation: .entry,
    ledgers: [
      .init(
        ledgerID: "123456", currency: "NOK", status: "partial", datesExported: [day],
        datesOpen: [day.adding(days: 1)], entries: 2, vouchers: 2)
    ])

  /// The file the assembler would write: prologue, vouchers without the first separator, epilogue.
  static func file(_ encoder: some JournalEncoder, _ vouchers: [Voucher] = vouchers) -> String {
    var bytes = encoder.prologue(metadata)
    for (index, voucher) in vouchers.enumerated() {
      var chunk: [UInt8] = []
      encoder.encode(voucher, into: &chunk)
      #expect(chunk.starts(with: encoder.separator))
      bytes += index == 0 ? Array(chunk.dropFirst(encoder.separator.count)) : chunk
    }
    bytes += encoder.epilogue(metadata)
    return String(decoding: bytes, as: UTF8.self)
  }

  // MARK: CSV

  static let csvRows = [
    "123456-20251021-funds-1,2025-10-21,1579,Vipps clearing,125.00,,NOK,,Ordre 1001,123456,funds,capture,psp-1,1001,12345",
    "123456-20251021-funds-1,2025-10-21,3000,Salgsinntekt,,100.00,NOK,3,Ordre 1001,123456,funds,capture,psp-1,1001,12345",
    "123456-20251021-funds-1,2025-10-21,2700,Utgående mva,,25.00,NOK,3,Ordre 1001,123456,funds,capture,psp-1,1001,12345",
    "123456-20251021-fees,2025-10-21,7770,Gebyr\tVipps,3.00,,NOK,,'=SUM(A1),123456,fees,fees-retained,,,<&>",
    "123456-20251021-fees,2025-10-21,1579,Vipps clearing,,3.00,NOK,,\"Kari \"\"K\"\" Ås, Bergen\nlinje2\",123456,fees,fees-retained,,,<&>",
    "123456-20251021-fees,2025-10-21,7790,Øredifferanse,0.00,,NOK,,'-avrunding,123456,fees,fees-retained,,,<&>",
  ]

  @Test func csvDefaultDialect() {
    let header = CSVJournalEncoder.columns.joined(separator: ",")
    let expected = ([header] + Self.csvRows).map { $0 + "\r\n" }.joined()
    #expect(Self.file(CSVJournalEncoder()) == expected)
  }

  @Test func csvSemicolonDecimalCommaAndBOM() {
    let encoder = CSVJournalEncoder(
      options: .init(delimiter: ";", decimalComma: true, byteOrderMark: true))
    #expect(encoder.prologue(Self.metadata).starts(with: [0xEF, 0xBB, 0xBF]))
    let rows = [
      "123456-20251021-funds-1;2025-10-21;1579;Vipps clearing;125,00;;NOK;;Ordre 1001;123456;funds;capture;psp-1;1001;12345",
      "123456-20251021-funds-1;2025-10-21;3000;Salgsinntekt;;100,00;NOK;3;Ordre 1001;123456;funds;capture;psp-1;1001;12345",
      "123456-20251021-funds-1;2025-10-21;2700;Utgående mva;;25,00;NOK;3;Ordre 1001;123456;funds;capture;psp-1;1001;12345",
      "123456-20251021-fees;2025-10-21;7770;Gebyr\tVipps;3,00;;NOK;;'=SUM(A1);123456;fees;fees-retained;;;<&>",
      "123456-20251021-fees;2025-10-21;1579;Vipps clearing;;3,00;NOK;;\"Kari \"\"K\"\" Ås, Bergen\nlinje2\";123456;fees;fees-retained;;;<&>",
      "123456-20251021-fees;2025-10-21;7790;Øredifferanse;0,00;;NOK;;'-avrunding;123456;fees;fees-retained;;;<&>",
    ]
    let header = CSVJournalEncoder.columns.joined(separator: ";")
    #expect(Self.file(encoder) == "\u{FEFF}" + ([header] + rows).map { $0 + "\r\n" }.joined())
  }

  @Test func csvDecimalCommaWithCommaDelimiterQuotesAmounts() {
    let encoder = CSVJournalEncoder(options: .init(decimalComma: true))
    var bytes: [UInt8] = []
    encoder.encode(Self.vouchers[0], into: &bytes)
    let first = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").first
    #expect(
      first
        == "123456-20251021-funds-1,2025-10-21,1579,Vipps clearing,\"125,00\",,NOK,,Ordre 1001,123456,funds,capture,psp-1,1001,12345"
    )
  }

  // MARK: JSON

  static let captureSource =
    #"{"entryCount":1,"entryType":"capture","ledgerDate":"2025-10-21","ledgerId":"123456","position":1,"pspReference":"psp-1","reference":"1001","salesUnit":"12345","topic":"funds"}"#
  static let feeSource =
    #"{"entryCount":2,"entryType":"fees-retained","ledgerDate":"2025-10-21","ledgerId":"123456","position":null,"pspReference":null,"reference":null,"salesUnit":"<&>","topic":"fees"}"#
  static let vat = #"{"base":"-100.00","code":"3","rate":"25.00"}"#
  static let jsonVouchers = [
    #"{"date":"2025-10-21","description":"Vipps ordre 1001","id":"123456-20251021-funds-1","ledgerId":"123456","lines":["#
      + #"{"account":"1579","accountName":"Vipps clearing","credit":"0.00","currency":"NOK","debit":"125.00","description":"Ordre 1001","dimensions":{},"source":\#(captureSource),"vat":null},"#
      + #"{"account":"3000","accountName":"Salgsinntekt","credit":"100.00","currency":"NOK","debit":"0.00","description":"Ordre 1001","dimensions":{"avdeling":"10","prosjekt":"P1"},"source":\#(captureSource),"vat":\#(vat)},"#
      + #"{"account":"2700","accountName":"Utgående mva","credit":"25.00","currency":"NOK","debit":"0.00","description":"Ordre 1001","dimensions":{},"source":\#(captureSource),"vat":\#(vat)}]}"#,
    #"{"date":"2025-10-21","description":"Gebyr\u0001","id":"123456-20251021-fees","ledgerId":"123456","lines":["#
      + #"{"account":"7770","accountName":"Gebyr\tVipps","credit":"0.00","currency":"NOK","debit":"3.00","description":"=SUM(A1)","dimensions":{},"source":\#(feeSource),"vat":null},"#
      + #"{"account":"1579","accountName":"Vipps clearing","credit":"3.00","currency":"NOK","debit":"0.00","description":"Kari \"K\" Ås, Bergen\nlinje2","dimensions":{},"source":\#(feeSource),"vat":null},"#
      + #"{"account":"7790","accountName":"Øredifferanse","credit":"0.00","currency":"NOK","debit":"0.00","description":"-avrunding","dimensions":{},"source":\#(feeSource),"vat":null}]}"#,
  ]
  static let jsonHead =
    #"{"aggregation":"entry","format":"vipps-ledger.journal","formatVersion":1,"ledgers":[{"currency":"NOK","datesExported":["2025-10-21"],"datesOpen":["2025-10-22"],"entries":2,"ledgerId":"123456","status":"partial","vouchers":2}],"#
    + #""period":{"from":"2025-10-20","to":"2025-10-27"},"profile":{"name":"no-sales","sha256":"\#(String(repeating: "ab", count: 32))"},"tool":{"name":"vipps-ledger","version":"0.1.0"},"vouchers":["#

  @Test func jsonDocument() throws {
    let text = Self.file(JSONJournalEncoder())
    #expect(text == Self.jsonHead + "\n" + Self.jsonVouchers.joined(separator: ",\n") + "\n]}\n")
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    #expect((object?["vouchers"] as? [Any])?.count == 2)
    try Self.validate(text, as: "document")
  }

  @Test func jsonDocumentWithoutVouchers() throws {
    let text = Self.file(JSONJournalEncoder(), [])
    #expect(text == Self.jsonHead + "\n\n]}\n")
    #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
    try Self.validate(text, as: "document")
  }

  @Test func jsonLines() throws {
    let text = Self.file(JSONLinesJournalEncoder())
    #expect(text == Self.jsonVouchers.map { $0 + "\n" }.joined())
    for line in text.split(separator: "\n") {
      #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }
    try Self.validate(text, as: "lines")
  }

  // MARK: Large amounts

  @Test func amountsBeyondInt32AndAtInt64Limits() {
    let source = Self.source(.funds, .capture)
    let amounts: [Int64] = [2_147_483_648, -2_147_483_649, .max, .min]
    let voucher = Voucher(
      id: "big", date: Self.day, ledgerID: "123456", description: "",
      lines: amounts.map {
        JournalLine(
          account: "1579", accountName: "", amount: $0, currency: "NOK", description: "",
          source: source)
      })
    var csv: [UInt8] = []
    CSVJournalEncoder().encode(voucher, into: &csv)
    let cells = String(decoding: csv, as: UTF8.self).split(separator: "\r\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)[4...5].joined(separator: "|")
    }
    #expect(
      cells == ["21474836.48|", "|21474836.49", "92233720368547758.07|", "|92233720368547758.08"])
    var json: [UInt8] = []
    JSONLinesJournalEncoder().encode(voucher, into: &json)
    let text = String(decoding: json, as: UTF8.self)
    for fragment in [
      #""credit":"0.00","currency":"NOK","debit":"21474836.48""#,
      #""credit":"21474836.49","currency":"NOK","debit":"0.00""#,
      #""credit":"0.00","currency":"NOK","debit":"92233720368547758.07""#,
      #""credit":"92233720368547758.08","currency":"NOK","debit":"0.00""#,
    ] {
      #expect(text.contains(fragment))
    }
  }

  // MARK: Schema

  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static let validator = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        sys.exit("python3 cannot import jsonschema; install it with: pip install jsonschema")
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    text = open(sys.argv[3], encoding="utf-8").read()
    if sys.argv[2] == "document":
        docs = [json.loads(text)]
    else:
        assert text.endswith("\\n"), "JSON Lines must end with a newline"
        docs = [json.loads(line) for line in text[:-1].split("\\n")]
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/voucher"}
    validator = jsonschema.Draft202012Validator(schema)
    for doc in docs:
        validator.validate(doc)
        bad = json.loads(json.dumps(doc))
        for voucher in bad.get("vouchers", []) if sys.argv[2] == "document" else [bad]:
            voucher["lines"][0]["debit"] = 1.5
            assert not validator.is_valid(bad), "schema accepts a numeric amount"
    print("valid:", len(docs))
    """

  /// Validates `text` with python3 + jsonschema against `schemas/journal.schema.json`; fails if missing.
  static func validate(_ text: String, as kind: String) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "emit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("input.json")
    try Data(text.utf8).write(to: input)
    let schema = repositoryRoot.appendingPathComponent("schemas/journal.schema.json")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", validator, schema.path, kind, input.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(
      process.terminationStatus == 0,
      "schema validation failed (needs python3 with jsonschema: pip install jsonschema):\n\(output)"
    )
  }
}

extension EmitTests {
  @Suite struct AtomicFileWriterTests {
    /// A fresh empty directory, removed after `body`.
    func withDirectory(_ body: (URL) throws -> Void) throws {
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "atomic-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: directory) }
      try body(directory)
    }

    func listing(_ directory: URL) throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func commitMakesTheFileAppearWithTheBytes() throws {
      try withDirectory { directory in
        let destination = directory.appendingPathComponent("journal.csv")
        try Data("old".utf8).write(to: destination)
        let writer = try AtomicFileWriter(destination: destination)
        #expect(writer.temporaryPath.hasPrefix(directory.path + "/.journal.csv.tmp-"))
        try writer.write(Array("hello ".utf8))
        try writer.write([UInt8](repeating: 0x61, count: AtomicFileWriter.chunkSize + 7))
        #expect(try Data(contentsOf: destination) == Data("old".utf8))
        #expect(try listing(directory).count == 2)
        try writer.commit()
        let expected =
          Array("hello ".utf8) + [UInt8](repeating: 0x61, count: AtomicFileWriter.chunkSize + 7)
        #expect(try [UInt8](Data(contentsOf: destination)) == expected)
        #expect(try listing(directory) == ["journal.csv"])
        #expect(throws: AtomicFileError.self) { try writer.write([1]) }
      }
    }

    @Test func concatenatesSpillFilesFromAnOffset() throws {
      try withDirectory { directory in
        let spill = directory.appendingPathComponent("spill")
        let spillBytes = (0..<(5 * AtomicFileWriter.chunkSize / 2)).map {
          UInt8(truncatingIfNeeded: $0 &* 7)
        }
        try Data(spillBytes).write(to: spill)
        let destination = directory.appendingPathComponent("out.json")
        try AtomicFileWriter.withAtomicWrite(to: destination) { writer in
          try writer.write(Array("[".utf8))
          try writer.write(contentsOf: spill, from: 3)
          try writer.write(Array("]".utf8))
        }
        #expect(
          try [UInt8](Data(contentsOf: destination)) == Array("[".utf8) + spillBytes.dropFirst(3)
            + Array("]".utf8))
        #expect(try listing(directory) == ["out.json", "spill"])
      }
    }

    @Test func abortThrowingAndReleasingLeaveNothing() throws {
      struct Failure: Error {}
      try withDirectory { directory in
        let destination = directory.appendingPathComponent("out.csv")
        let aborted = try AtomicFileWriter(destination: destination)
        try aborted.write([1, 2, 3])
        aborted.abort()
        #expect(throws: Failure.self) {
          try AtomicFileWriter.withAtomicWrite(to: destination) { writer in
            try writer.write([1, 2, 3])
            throw Failure()
          }
        }
        do {
          let released = try AtomicFileWriter(destination: destination)
          try released.write([1])
        }
        #expect(try listing(directory) == [])
      }
    }

    @Test func missingSourceThrowsNamingThePath() throws {
      try withDirectory { (directory: URL) throws in
        let missing = directory.appendingPathComponent("missing.spill")
        let destination = directory.appendingPathComponent("out.csv")
        let error = #expect(throws: AtomicFileError.self) {
          try AtomicFileWriter.withAtomicWrite(to: destination) {
            try $0.write(contentsOf: missing)
          }
        }
        #expect(
          error?.errorDescription == "cannot read '\(missing.path)': No such file or directory")
        #expect(try listing(directory) == [])
      }
    }
  }
}
