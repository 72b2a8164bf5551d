import Foundation
import ReportAPI
import Testing

extension StateMachineTests {
  @Suite struct Token {
    let start = ContinuousClock.now

    @Test func noTokenFetches() {
      var state = TokenState()
      #expect(state.action(now: start) == .fetch)
    }

    @Test func fifteenMinuteTokenIsUsedUntilItsLastTenPercent() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(900), now: start)
      #expect(state.action(now: start) == .use("t1"))
      #expect(state.action(now: start + .seconds(809)) == .use("t1"))
      #expect(state.action(now: start + .seconds(810)) == .fetch)
      // Inside the window the token is still valid as a fallback.
      #expect(state.unexpiredToken(now: start + .seconds(899)) == "t1")
    }

    @Test func dayTokenRefreshesAboutTwoHoursBeforeExpiry() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(86_398), now: start)
      #expect(state.action(now: start + .seconds(77_758)) == .use("t1"))
      #expect(state.action(now: start + .seconds(77_759)) == .fetch)
    }

    @Test func minimumRemainingAppliesToShortTokens() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(300), now: start)
      #expect(state.action(now: start + .seconds(239)) == .use("t1"))
      #expect(state.action(now: start + .seconds(240)) == .fetch)
    }

    @Test func aTokenIsAlwaysUsedForItsFirstTenPercent() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(30), now: start)
      #expect(state.action(now: start + .seconds(2)) == .use("t1"))
      #expect(state.action(now: start + .seconds(3)) == .fetch)
    }

    @Test func expiredTokenIsForgotten() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(900), now: start)
      #expect(state.action(now: start + .seconds(900)) == .fetch)
      #expect(state.unexpiredToken(now: start) == nil)
    }

    @Test func zeroOrNegativeLifetimeIsExpired() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .zero, now: start)
      #expect(state.action(now: start) == .fetch)
      state.received(token: "t2", lifetime: .seconds(-5), now: start)
      #expect(state.action(now: start) == .fetch)
    }

    @Test func replacedTokenIsUsed() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(900), now: start)
      state.received(token: "t2", lifetime: .seconds(900), now: start + .seconds(850))
      #expect(state.action(now: start + .seconds(900)) == .use("t2"))
    }

    @Test func unauthorizedInvalidatesTheCurrentToken() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(900), now: start)
      state.invalidate("t1")
      #expect(state.action(now: start + .seconds(1)) == .fetch)
      #expect(state.unexpiredToken(now: start) == nil)
    }

    @Test func unauthorizedForAnAlreadyReplacedTokenKeepsTheNewOne() {
      var state = TokenState()
      state.received(token: "t1", lifetime: .seconds(900), now: start)
      state.received(token: "t2", lifetime: .seconds(900), now: start + .seconds(1))
      state.invalidate("t1")
      #expect(state.action(now: start + .seconds(2)) == .use("t2"))
    }

    @Test func customRefreshFraction() {
      var state = TokenState(refreshFraction: 0.5, minimumRemaining: .zero)
      state.received(token: "t1", lifetime: .seconds(100), now: start)
      #expect(state.action(now: start + .seconds(49)) == .use("t1"))
      #expect(state.action(now: start + .seconds(50)) == .fetch)
    }
  }

  @Suite struct TokenDecoding {
    static let secret = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0"

    static func decode(_ json: String) throws -> TokenResponse {
      try JSONDecoder().decode(TokenResponse.self, from: Data(json.utf8))
    }

    @Test func standardFlowSendsStrings() throws {
      let response = try Self.decode(
        #"{"token_type":"Bearer","expires_in":"86398","expires_on":"1495271273","access_token":"\#(Self.secret)"}"#
      )
      #expect(response.accessToken == Self.secret)
      #expect(response.expiresIn == .seconds(86_398))
      #expect(response.tokenType == "Bearer")
    }

    @Test func specializedFlowSendsANumber() throws {
      let response = try Self.decode(
        #"{"access_token":"\#(Self.secret)","token_type":"Bearer","expires_in":900}"#)
      #expect(response.expiresIn == .seconds(900))
    }

    @Test func tokenTypeIsOptionalAndFractionsAreAccepted() throws {
      let response = try Self.decode(#"{"access_token":"a","expires_in":"899.5"}"#)
      #expect(response.tokenType == nil)
      #expect(response.expiresIn == .milliseconds(899_500))
    }

    @Test(arguments: [
      #"{"token_type":"Bearer","expires_in":900}"#,
      #"{"access_token":"","expires_in":900}"#,
      #"{"access_token":null,"expires_in":900}"#,
      #"{"access_token":"a"}"#,
      #"{"access_token":"a","expires_in":"soon"}"#,
      #"{"access_token":"a","expires_in":-1}"#,
      #"{"access_token":"a","expires_in":1e300}"#,
      #"{"access_token":"a","expires_in":true}"#,
      #"{"access_token":"a","expires_in":null}"#,
    ])
    func invalidResponsesThrow(json: String) {
      #expect(throws: DecodingError.self) { try Self.decode(json) }
    }

    @Test func errorsNeverQuoteTheToken() {
      let json = #"{"access_token":"\#(Self.secret)","expires_in":"soon"}"#
      let error = #expect(throws: DecodingError.self) { try Self.decode(json) }
      #expect(!String(describing: error).contains(Self.secret))
    }

    @Test func descriptionsRedactTheToken() throws {
      let response = try Self.decode(#"{"access_token":"\#(Self.secret)","expires_in":900}"#)
      var dumped = ""
      dump(response, to: &dumped)
      for text in [
        response.description, response.debugDescription, "\(response)",
        String(reflecting: response), dumped, String(describing: [response]),
      ] {
        #expect(!text.contains(Self.secret))
        #expect(!text.contains("c2VjcmV0"))
        #expect(text.contains("redacted"))
      }
    }
  }
}
