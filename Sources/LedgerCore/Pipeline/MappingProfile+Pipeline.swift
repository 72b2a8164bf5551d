extension MappingProfile {
  /// The home (clearing) account of `topic`.
  func clearingAccount(for topic: Topic) -> AccountID { clearing[topic] }

  /// The declared name of `account`, or an empty string.
  func accountName(for account: AccountID) -> String { accounts[account]?.name ?? "" }
}
