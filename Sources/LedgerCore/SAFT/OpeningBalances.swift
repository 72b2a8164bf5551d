import Foundation

/// Opening balances for SAF-T `GeneralLedgerAccounts`: a CSV file with the header
/// `account,balance` and one row per account, `balance` a signed decimal in the company's
/// currency (debit positive, credit negative), e.g. `1920,125000.00`.
public enum OpeningBalances {
  /// Reads and checks the file; every account must be declared in `profile`.
  ///
  /// - Throws: ``OpeningBalancesError`` naming the file and line.
  public static func load(contentsOf path: String, profile: MappingProfile) throws -> [AccountID:
    Int64]
  {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw OpeningBalancesError(
        "\(path): cannot read opening balances: \(error.localizedDescription)")
    }
    return try parse(text, path: path, profile: profile)
  }

  /// Parses the CSV text; `path` is used in errors.
  public static func parse(_ text: String, path: String, profile: MappingProfile) throws
    -> [AccountID: Int64]
  {
    var result: [AccountID: Int64] = [:]
    // "\r\n" is one Character in Swift, and a newline.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    if lines.first?.hasPrefix("\u{FEFF}") == true { lines[0] = lines[0].dropFirst() }
    guard let header = lines.first,
      header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == [
        "account", "balance",
      ]
    else {
      throw OpeningBalancesError("\(path):1: the header must be 'account,balance'")
    }
    for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
      let number = index + 1
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard fields.count == 2 else {
        throw OpeningBalancesError(
          "\(path):\(number): expected 2 fields (account,balance), found \(fields.count)")
      }
      let account = AccountID(fields[0])
      guard profile.accounts[account] != nil else {
        throw OpeningBalancesError(
          "\(path):\(number): account '\(fields[0])' is not declared in mapping profile '\(profile.name)'"
        )
      }
      guard let balance = MoneyFormat.parse(fields[1]) else {
        throw OpeningBalancesError(
          "\(path):\(number): balance '\(fields[1])' is not a decimal with at most two decimals")
      }
      guard result[account] == nil else {
        throw OpeningBalancesError("\(path):\(number): account '\(fields[0])' is listed twice")
      }
      result[account] = balance
    }
    return result
  }
}

/// A bad opening-balances file.
public struct OpeningBalancesError: Error, LocalizedError, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
  public var errorDescription: String? { description }
}
