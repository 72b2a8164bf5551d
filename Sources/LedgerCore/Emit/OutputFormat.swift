/// The journal output formats.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable, Codable {
  case csv
  case json
  case jsonl

  /// The encoder for this format.
  public func encoder(csv options: CSVJournalEncoder.Options = .init()) -> any JournalEncoder {
    switch self {
    case .csv: CSVJournalEncoder(options: options)
    case .json: JSONJournalEncoder()
    case .jsonl: JSONLinesJournalEncoder()
    }
  }
}
