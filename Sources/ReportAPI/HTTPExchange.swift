import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// One HTTP request/response, with transport failures classified for the retry state machine.
enum HTTPExchange {
  /// Sends `request` and collects at most `maximumBytes` of the body.
  ///
  /// - Returns: The outcome and, for a complete response, its body.
  static func perform(
    _ request: HTTPClientRequest, http: HTTPClient, timeout: Duration, maximumBytes: Int,
    logger: Logger
  ) async -> (RequestOutcome, Data?) {
    do {
      let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
      let retryAfter = response.headers.first(name: "Retry-After")
      let buffer = try await response.body.collect(upTo: maximumBytes)
      let status = Int(response.status.code)
      return (.response(status: status, retryAfter: retryAfter), Data(buffer.readableBytesView))
    } catch let error as HTTPClientError {
      switch error {
      case .readTimeout, .deadlineExceeded, .connectTimeout, .writeTimeout,
        .getConnectionFromPoolTimeout:
        return (.timeout, nil)
      case .remoteConnectionClosed, .bodyLengthMismatch:
        return (.truncatedBody, nil)
      default:
        logger.debug("request failed", metadata: ["error": "\(error)"])
        return (.connectionError, nil)
      }
    } catch is NIOTooManyBytesError {
      return (.response(status: 0, retryAfter: nil), nil)
    } catch {
      logger.debug("request failed", metadata: ["error": "\(String(describing: type(of: error)))"])
      return (.connectionError, nil)
    }
  }
}

extension Duration {
  /// The duration in whole nanoseconds (saturating).
  var nanoseconds: Int64 {
    let (seconds, attoseconds) = components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
  }
}
