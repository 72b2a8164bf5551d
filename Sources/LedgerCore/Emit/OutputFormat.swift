/// The journal output formats.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable, Codable {
  case csv
  case json
  case jsonl
  /// Norwegian SAF-T Financial 1.30 XML.
  case saft

  /// The encoder for this format.
  ///
  /// - Parameters:
  ///   - csv: CSV dialect options.
  ///   - saft: Company data and opening balances; required for ``saft``.
  /// - Returns: `nil` for ``saft`` without `saft` options.
  public func encoder(csv options: CSVJournalEncoder.Options = .init(), saft: SAFTOptions? = nil)
    -> (any JournalEncoder)?
  {
    switch self {
    case .csv: CSVJournalEncoder(options: options)
    case .json: JSONJournalEncoder()
    case .jsonl: JSONLinesJournalEncoder()
    case .saft: saft.map { SAFTJournalEncoder(options: $0) }
    }
  }
}
