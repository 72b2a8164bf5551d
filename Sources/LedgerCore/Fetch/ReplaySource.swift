import Foundation
import Synchronization

/// Replays recorded Report API response bodies from a directory.
///
/// Layout (every file an unmodified response body):
/// ```
/// DIR/ledgers.json, DIR/ledgers-2.json …                 GET /settlement/v1/ledgers, page by page
/// DIR/<ledgerId>/<funds|fees>/<YYYY-MM-DD>/1.json, 2.json … GET …/dates/<date>, following the cursor
/// ```
/// Pages are read lazily, one at a time.
public struct ReplaySource: ReportSource {
  /// The recording's root directory.
  public let directory: URL

  /// Opens a recording.
  /// - Throws: ``ReportSourceError/missingSource(_:)`` when `directory` is not a directory.
  public init(directory: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw ReportSourceError.missingSource("source directory '\(directory)' does not exist")
    }
    self.directory = URL(fileURLWithPath: directory, isDirectory: true)
  }

  public func ledgers() async throws -> [Ledger] {
    var result: [Ledger] = []
    var pageNumber = 1
    while true {
      let name = pageNumber == 1 ? "ledgers.json" : "ledgers-\(pageNumber).json"
      let url = directory.appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: url.path) else {
        if pageNumber == 1 {
          throw ReportSourceError.notAvailable("no ledger list recorded: \(url.path) is missing")
        }
        throw ReportSourceError.malformed(
          "\(url.path) is missing, but the previous ledger page has a cursor")
      }
      let page = try PageDecoding.decode(LedgerListPage.self, file: url.path)
      result += page.items
      guard let cursor = page.cursor, !cursor.isEmpty else { return result }
      pageNumber += 1
    }
  }

  public func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  > {
    let dateDirectory = directory.appendingPathComponent(ledger.rawValue)
      .appendingPathComponent(topic.rawValue).appendingPathComponent(date.description)
    // Paging state shared with the stream's (sendable) producer closure.
    let state = Mutex((page: 0, finished: false))
    return AsyncThrowingStream {
      let pageNumber: Int? = state.withLock { state in
        if state.finished { return nil }
        state.page += 1
        return state.page
      }
      guard let pageNumber else { return nil }
      func finish() { state.withLock { $0.finished = true } }
      let url = dateDirectory.appendingPathComponent("\(pageNumber).json")
      let location = PageLocation(
        ledgerID: ledger, topic: topic, date: date, page: pageNumber, origin: url.path)
      guard FileManager.default.fileExists(atPath: url.path) else {
        finish()
        if pageNumber == 1 {
          throw ReportSourceError.notAvailable(
            "no recorded data for ledger \(ledger) \(topic) \(date) (\(url.path) is missing)")
        }
        throw ReportSourceError.malformed(
          "\(location): file is missing, but page \(pageNumber - 1) says hasMore with a cursor")
      }
      let page = try PageDecoding.decode(ReportPage.self, file: url.path, location: location)
      if page.hasMore {
        guard let cursor = page.cursor, !cursor.isEmpty else {
          finish()
          throw ReportSourceError.malformed("\(location): hasMore is true but there is no cursor")
        }
      } else {
        finish()
      }
      return LocatedPage(page: page, location: location)
    }
  }
}

/// Decoding of response bodies with errors that say where.
enum PageDecoding {
  static func decode<T: Decodable>(_ type: T.Type, file: String, location: PageLocation? = nil)
    throws -> T
  {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: file))
    } catch {
      throw ReportSourceError.malformed("\(file): cannot read file")
    }
    return try decode(type, data: data, context: location?.description ?? file)
  }

  /// Decodes `data`, describing failures as `context: field path: problem`.
  ///
  /// A ``ReportPage`` is parsed by ``PageParser``, with the same results and messages.
  static func decode<T: Decodable>(_ type: T.Type, data: Data, context: String) throws -> T {
    if type == ReportPage.self {
      do {
        if let page = try data.withUnsafeBytes(PageParser.parseReportPage) as? T { return page }
      } catch let error as PageParseError {
        throw ReportSourceError.malformed("\(context): malformed page: \(error.summary)")
      }
    }
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
      throw ReportSourceError.malformed("\(context): malformed page: \(describe(error))")
    } catch {
      throw ReportSourceError.malformed("\(context): malformed page: not valid JSON")
    }
  }

  /// A one-line description of a decoding error with its field path.
  static func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
      var text = ""
      for key in codingPath {
        if let index = key.intValue {
          text += "[\(index)]"
        } else {
          text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
      }
      return text.isEmpty ? "document" : text
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])): required field is missing"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)): expected \(typeName(type))"
    case .valueNotFound(let type, let context):
      return "\(path(context.codingPath)): expected \(typeName(type)), found null"
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty { return "not valid JSON" }
      return "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int64.Type, is Int.Type: "an integer"
    case is String.Type: "a string"
    case is Bool.Type: "a boolean"
    case is [Any].Type: "an array"
    default: "\(type)"
    }
  }
}
