/// The integer after `name` in `arguments`, or `fallback`.
func integerOption(_ arguments: [String], _ name: String, _ fallback: Int) -> Int {
  guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
    return fallback
  }
  return Int(arguments[index + 1]) ?? fallback
}

/// The text after `name` in `arguments`, if any.
func stringOption(_ arguments: [String], _ name: String) -> String? {
  guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
    return nil
  }
  return arguments[index + 1]
}
