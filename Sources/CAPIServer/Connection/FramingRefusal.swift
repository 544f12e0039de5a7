import CAPICore
import HTTPTypes
import NIOHTTP1

/// The AdCP answer to a request that cannot be read as HTTP, or that a
/// connection limit turns away before it reaches a route.
struct FramingRefusal {
    var status: HTTPResponse.Status
    var error: AdCPError
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ error: AdCPError, retryAfter: Int? = nil) {
        self.status = status
        self.error = error
        self.retryAfter = retryAfter
    }

    /// The answer to an error the HTTP decoder (or the head's conversion) raised.
    static func decoding(_ error: any Error, limits: ConnectionLimits) -> FramingRefusal {
        guard let parser = error as? HTTPParserError else {
            return FramingRefusal(.badRequest, AdCPError(.invalidRequest, "The request head is not valid HTTP/1.1"))
        }
        switch parser {
        case .headerOverflow:
            return FramingRefusal(.init(code: 431), AdCPError(
                .invalidRequest, "The request line and headers are larger than \(limits.maxHeaderBytes) bytes"))
        case .invalidContentLength, .unexpectedContentLength:
            return FramingRefusal(.badRequest, AdCPError(
                .invalidRequest, "Content-Length is malformed, given twice, or sent with Transfer-Encoding",
                field: "Content-Length"))
        case .invalidEOFState:
            return FramingRefusal(.badRequest, AdCPError(
                .invalidRequest, "The connection ended before the request was complete: the body is shorter than its Content-Length",
                field: "Content-Length"))
        default:
            return FramingRefusal(.badRequest, AdCPError(.invalidRequest, "The request is not valid HTTP/1.1 (\(parser))"))
        }
    }

    static func duplicateContentLength() -> FramingRefusal {
        FramingRefusal(.badRequest, AdCPError(
            .invalidRequest, "Content-Length is given more than once", field: "Content-Length"))
    }

    static func urlTooLong(_ limits: ConnectionLimits) -> FramingRefusal {
        FramingRefusal(.uriTooLong, AdCPError(
            .invalidRequest, "The request target is longer than \(limits.maxURLBytes) bytes"))
    }

    static func tooManyConnections(_ limits: ConnectionLimits) -> FramingRefusal {
        FramingRefusal(.serviceUnavailable, AdCPError(
            .serviceUnavailable, "The server has \(limits.maxConnections) connections open; retry shortly"), retryAfter: 1)
    }

    static func headerTimeout(_ limits: ConnectionLimits) -> FramingRefusal {
        timeout("The request line and headers did not arrive within \(limits.headerTimeout.nanoseconds / 1_000_000) ms")
    }

    static func bodyTimeout(_ limits: ConnectionLimits) -> FramingRefusal {
        timeout("The request body arrived slower than \(limits.minBodyBytesPerSecond) bytes a second")
    }

    private static func timeout(_ message: String) -> FramingRefusal {
        var error = AdCPError(.invalidRequest, message)
        error.recovery = .transient
        return FramingRefusal(.requestTimeout, error)
    }

    /// The response's body: `{"errors":[...]}`.
    var body: [UInt8] { WireJSON.encode(AdCPErrorResponse(errors: [error])) }
}
