import CLibXML2
import Foundation

/// One problem found in a SAF-T file.
public struct SAFTViolation: Sendable, Hashable, CustomStringConvertible {
  /// 1-based line in the XML file, when known.
  public var line: Int?
  /// A stable code: `xsd`, `not-well-formed`, one of ``SAFTValidation/businessRules``, or
  /// `truncated` for the final marker of a capped list.
  public var rule: String
  /// What is wrong and where: the transaction ID, account ID or element.
  public var message: String
  /// For the `truncated` marker: how many further violations were found but not listed; else 0.
  public var omitted: Int

  /// Creates a violation.
  public init(line: Int?, rule: String, message: String, omitted: Int = 0) {
    self.line = line
    self.rule = rule
    self.message = message
    self.omitted = omitted
  }

  /// E.g. `line 123: [transaction-balance] transaction A1 does not balance: debit 125.00, …`.
  public var description: String {
    (line.map { "line \($0): " } ?? "") + "[\(rule)] \(message)"
  }
}

/// A SAF-T file or XSD that cannot be read at all (as opposed to violations found in it).
public struct SAFTValidationError: Error, Hashable, Sendable, CustomStringConvertible,
  LocalizedError
{
  private enum Code: Hashable, Sendable {
    case cannotOpen, schemaUnreadable, schemaInvalid
  }

  private let code: Code
  /// The file or XSD concerned.
  public let path: String
  /// libxml2's messages, when it gave any.
  public let details: String

  private init(_ code: Code, path: String, details: String = "") {
    self.code = code
    self.path = path
    self.details = details
  }

  static func cannotOpen(_ path: String) -> Self { Self(.cannotOpen, path: path) }
  static func schemaUnreadable(_ path: String) -> Self { Self(.schemaUnreadable, path: path) }
  static func schemaInvalid(_ path: String, _ details: String) -> Self {
    Self(.schemaInvalid, path: path, details: details)
  }

  /// E.g. `cannot compile the XSD 'x.xsd': …`.
  public var description: String {
    switch code {
    case .cannotOpen: "cannot open the SAF-T file '\(path)'"
    case .schemaUnreadable: "cannot read the XSD '\(path)'"
    case .schemaInvalid:
      "cannot compile the XSD '\(path)'" + (details.isEmpty ? "" : ": \(details)")
    }
  }

  public var errorDescription: String? { description }
}

/// Validation of SAF-T Financial 1.30 files: the official XSD, then the rules it does not check
/// (docs/saft-financial.md §6, §8). Both passes stream, so memory does not grow with the file.
public enum SAFTValidation {
  /// At most this many violations are listed per pass; a final `truncated` marker counts the rest.
  public static let reportLimit = 1000

  /// The rule codes ``checkRules(file:)`` checks (besides `not-well-formed`).
  public static var businessRules: [String] { SAFTRuleChecker.rules }

  /// Validates `file` against the XSD with libxml2, streaming (SAX), collecting every error with
  /// its line.
  ///
  /// - Parameters:
  ///   - file: The SAF-T XML file.
  ///   - xsd: The official schema, e.g. `Norwegian_SAF-T_Financial_Schema_v_1.30.xsd`.
  /// - Returns: The violations in file order: rule `xsd`, or `not-well-formed` for parse errors;
  ///   empty when the file is valid.
  /// - Throws: ``SAFTValidationError`` when the XSD cannot be read or compiled or the file cannot
  ///   be opened.
  public static func validateSchema(file: String, xsd: String) throws -> [SAFTViolation] {
    LibXML.initialize()
    guard isReadableFile(xsd) else { throw SAFTValidationError.schemaUnreadable(xsd) }
    guard isReadableFile(file) else { throw SAFTValidationError.cannotOpen(file) }
    let errors = LibXMLErrors()
    return try errors.capturingGlobalErrors { context in
      guard let parserContext = xmlSchemaNewParserCtxt(xsd) else {
        throw SAFTValidationError.schemaUnreadable(xsd)
      }
      defer { xmlSchemaFreeParserCtxt(parserContext) }
      xmlSchemaSetParserStructuredErrors(parserContext, LibXMLErrors.handler, context)
      guard let schema = xmlSchemaParse(parserContext), errors.violations.isEmpty else {
        throw SAFTValidationError.schemaInvalid(xsd, errors.summary)
      }
      defer { xmlSchemaFree(schema) }
      guard let validContext = xmlSchemaNewValidCtxt(schema) else {
        throw SAFTValidationError.schemaInvalid(xsd, "no validation context")
      }
      defer { xmlSchemaFreeValidCtxt(validContext) }
      xmlSchemaSetValidStructuredErrors(validContext, LibXMLErrors.handler, context)
      let status = xmlSchemaValidateFile(validContext, file, 0)
      if status != 0 && errors.violations.isEmpty {
        errors.violations.add(
          SAFTViolation(
            line: nil, rule: "xsd", message: "validation failed (libxml2 status \(status))"))
      }
      return errors.violations.result
    }
  }

  /// Checks the rules the XSD does not (balances, totals, entry count, account and transaction
  /// IDs, roll-forward, selection period, negative amounts, version, descriptions) in one
  /// streaming pass with `xmlTextReader`.
  ///
  /// - Parameter file: The SAF-T XML file.
  /// - Returns: The violations in file order; a file that is not well-formed gives the ones found
  ///   before the error plus one `not-well-formed` violation, without the file-wide checks.
  /// - Throws: ``SAFTValidationError`` when the file cannot be opened.
  public static func checkRules(file: String) throws -> [SAFTViolation] {
    LibXML.initialize()
    guard isReadableFile(file) else { throw SAFTValidationError.cannotOpen(file) }
    let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue)
    let errors = LibXMLErrors()
    return try errors.capturingGlobalErrors { context in
      guard let reader = xmlReaderForFile(file, nil, options) else {
        throw SAFTValidationError.cannotOpen(file)
      }
      defer { xmlFreeTextReader(reader) }
      xmlTextReaderSetStructuredErrorHandler(reader, LibXMLErrors.handler, context)
      var checker = SAFTRuleChecker()
      let status = read(reader, into: &checker)
      for violation in errors.violations.result {
        checker.notWellFormed(line: violation.line, message: violation.message)
      }
      if status != 0 && errors.violations.isEmpty {
        checker.notWellFormed(line: nil, message: "cannot read the file to the end")
      }
      return checker.finish(complete: status == 0)
    }
  }

  /// Feeds every element and text node to `checker`; returns 0 at the end, -1 on a parse error.
  private static func read(_ reader: xmlTextReaderPtr, into checker: inout SAFTRuleChecker)
    -> Int32
  {
    // Element nodes store lines in 16 bits; text nodes carry big lines (XML_PARSE_BIG_LINES), and
    // the indentation before an element ends on its line, so the last text line stands in.
    var lastLine = 1
    while true {
      let status = xmlTextReaderRead(reader)
      guard status == 1 else { return status }
      let node = xmlTextReaderCurrentNode(reader)
      switch xmlReaderTypes(rawValue: UInt32(xmlTextReaderNodeType(reader))) {
      case XML_READER_TYPE_ELEMENT:
        if let line = node?.pointee.line, line < UInt16.max, line > 0 { lastLine = Int(line) }
        let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
        checker.startElement(name, line: lastLine)
        if xmlTextReaderIsEmptyElement(reader) == 1 { checker.endElement() }
      case XML_READER_TYPE_END_ELEMENT:
        checker.endElement()
      case XML_READER_TYPE_TEXT, XML_READER_TYPE_CDATA, XML_READER_TYPE_WHITESPACE,
        XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        if let node, case let line = xmlGetLineNo(node), line > 0 { lastLine = line }
        if let value = xmlTextReaderConstValue(reader) {
          checker.characters(String(cString: value))
        }
      default:
        break
      }
    }
  }

  private static func isReadableFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && !isDirectory.boolValue && FileManager.default.isReadableFile(atPath: path)
  }
}

/// A list of violations capped at ``SAFTValidation/reportLimit``, returned in file order.
struct ViolationList {
  private var items: [SAFTViolation] = []
  private var omitted = 0

  var isEmpty: Bool { items.isEmpty }

  mutating func add(_ violation: SAFTViolation) {
    if items.count < SAFTValidation.reportLimit { items.append(violation) } else { omitted += 1 }
  }

  /// The violations sorted by line (stable; unknown lines last), then the `truncated` marker.
  var result: [SAFTViolation] {
    let sorted = items.enumerated().sorted { left, right in
      (left.element.line ?? Int.max, left.offset) < (right.element.line ?? Int.max, right.offset)
    }.map(\.element)
    guard omitted > 0 else { return sorted }
    return sorted + [
      SAFTViolation(
        line: nil, rule: "truncated", message: "… and \(omitted) more", omitted: omitted)
    ]
  }
}

/// Collects libxml2's structured errors as violations. Used only on the calling thread: libxml2
/// calls ``handler`` synchronously, with an unretained pointer to this object as context.
private final class LibXMLErrors {
  var violations = ViolationList()
  private var messages: [String] = []

  /// The structured-error callback; `context` is an unretained `LibXMLErrors`.
  static let handler: xmlStructuredErrorFunc = { context, error in
    guard let context, let error else { return }
    Unmanaged<LibXMLErrors>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
  }

  /// The first few messages, for a thrown error.
  var summary: String { messages.prefix(5).joined(separator: "; ") }

  private func record(_ error: xmlError) {
    guard error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
    let text = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
    let message = text.replacingOccurrences(
      of: "{urn:StandardAuditFile-Taxation-Financial:NO}", with: ""
    ).trimmingXMLWhitespace()
    messages.append(message)
    let rule = error.domain == Int32(XML_FROM_SCHEMASV.rawValue) ? "xsd" : "not-well-formed"
    violations.add(
      SAFTViolation(line: error.line > 0 ? Int(error.line) : nil, rule: rule, message: message))
  }

  /// Runs `body` with libxml2's thread-local structured error handler pointing here (parse
  /// errors outside a reader or schema context go there), then restores the previous handler.
  func capturingGlobalErrors<T>(_ body: (UnsafeMutableRawPointer) throws -> T) rethrows -> T {
    let savedHandler = __xmlStructuredError().pointee
    let savedContext = __xmlStructuredErrorContext().pointee
    let context = Unmanaged.passUnretained(self).toOpaque()
    xmlSetStructuredErrorFunc(context, Self.handler)
    defer { xmlSetStructuredErrorFunc(savedContext, savedHandler) }
    return try withExtendedLifetime(self) { try body(context) }
  }
}

/// `Header/SelectionCriteria`: a date range or a range of periods (months).
struct SAFTSelection {
  private var fields: [String: String] = [:]

  mutating func set(_ name: String, _ value: String) { fields[name] = value }

  /// `yyyymmdd` bounds of the selection, from the dates or from the periods read as months.
  var dateRange: ClosedRange<Int>? {
    if let start = fields["SelectionStartDate"].flatMap(Self.parseDate),
      let end = fields["SelectionEndDate"].flatMap(Self.parseDate), start <= end
    {
      return start...end
    }
    guard let periods = periodRange else { return nil }
    return (periods.lowerBound * 100 + 1)...(periods.upperBound * 100 + 31)
  }

  /// `yyyy * 100 + period` bounds, when the selection is given as periods.
  var periodRange: ClosedRange<Int>? {
    guard let start = fields["PeriodStart"].flatMap({ Int($0) }),
      let startYear = fields["PeriodStartYear"].flatMap({ Int($0) }),
      let end = fields["PeriodEnd"].flatMap({ Int($0) }),
      let endYear = fields["PeriodEndYear"].flatMap({ Int($0) }),
      startYear * 100 + start <= endYear * 100 + end
    else { return nil }
    return (startYear * 100 + start)...(endYear * 100 + end)
  }

  /// E.g. `2025-01-01 to 2025-01-31` or `periods 1/2025 to 12/2025`.
  var dateDescription: String {
    if let start = fields["SelectionStartDate"], let end = fields["SelectionEndDate"],
      periodRange == nil
    {
      return "\(start) to \(end)"
    }
    return periodDescription
  }

  var periodDescription: String {
    "periods \(fields["PeriodStart"] ?? "?")/\(fields["PeriodStartYear"] ?? "?") to "
      + "\(fields["PeriodEnd"] ?? "?")/\(fields["PeriodEndYear"] ?? "?")"
  }

  /// Parses an `xs:date` (`2025-01-31`, optionally with a time zone) into `yyyymmdd`.
  static func parseDate(_ text: String) -> Int? {
    let parts = text.prefix(10).split(separator: "-", omittingEmptySubsequences: false)
    guard text.count >= 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2,
      parts[2].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
      let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    return year * 10000 + month * 100 + day
  }

  /// Parses an `xs:decimal` amount into minor units: `+`, `.5`, `5.` and trailing zeros beyond
  /// two decimals are accepted; `nil` for anything else or more than two significant decimals.
  static func parseAmount(_ text: String) -> Int64? {
    var digits = Substring(text)
    var sign = ""
    if let first = digits.first, first == "+" || first == "-" {
      sign = first == "-" ? "-" : ""
      digits = digits.dropFirst()
    }
    guard digits.first != "-" else { return nil }
    if digits.hasPrefix(".") { digits = "0" + digits }
    if digits.contains(".") {
      while digits.last == "0" { digits = digits.dropLast() }
      if digits.hasSuffix(".") { digits = digits.dropLast() }
    }
    return MoneyFormat.parse(sign + digits)
  }
}

extension String {
  /// The string without leading and trailing XML whitespace (space, tab, CR, LF).
  func trimmingXMLWhitespace() -> String {
    let scalars = unicodeScalars
    let isSpace: (Unicode.Scalar) -> Bool = { [" ", "\t", "\n", "\r"].contains($0) }
    guard let start = scalars.firstIndex(where: { !isSpace($0) }),
      let end = scalars.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(scalars[start...end])
  }
}
