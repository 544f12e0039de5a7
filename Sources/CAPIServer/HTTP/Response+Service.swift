import CAPICore
import Hummingbird

/// The REST door's translation of service answers: the status each case
/// stands for, and the body encoded once.
extension Response {
    static func answer<W>(_ answer: ServiceAnswer<W>) -> Response {
        switch answer {
        case .done(let wire): json(WireJSON.encode(wire), status: 200)
        case .created(let wire): json(WireJSON.encode(wire), status: 201)
        case .encoded(let bytes): json(bytes, status: 200)
        case .failed(let failure): .failure(failure)
        }
    }

    /// `{"errors": [...]}` with the failure's status (and `Retry-After`).
    static func failure(_ failure: ServiceFailure) -> Response {
        var response = json(WireJSON.encode(failure.response), status: failure.kind.httpStatus)
        if let seconds = failure.retryAfter { response.headers[.retryAfter] = "\(seconds)" }
        return response
    }

    /// A refusal by the door itself, before any service call (405, 413, 415, 500…).
    static func adcpError(_ status: Int, _ error: AdCPError) -> Response {
        json(WireJSON.encode(AdCPErrorResponse(errors: [error])), status: status)
    }

    /// A JSON response from bytes that are already encoded.
    static func json(_ bytes: [UInt8], status: Int, contentType: String = "application/json; charset=utf-8") -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension ServiceFailure.Kind {
    /// The HTTP status the REST door answers this kind of failure with.
    var httpStatus: Int {
        switch self {
        case .invalid: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .rateLimited: 429
        case .unavailable: 503
        }
    }
}
