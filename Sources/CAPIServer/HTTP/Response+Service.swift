import Hummingbird

extension Response {
    /// A JSON response from bytes that are already encoded.
    static func json(_ bytes: [UInt8], status: Int) -> Response {
        json(ServiceReply(status: status, body: bytes))
    }

    static func json(_ reply: ServiceReply) -> Response {
        var headers: HTTPFields = [.contentType: reply.contentType, .cacheControl: "no-store"]
        if let seconds = reply.retryAfterSeconds { headers[.retryAfter] = "\(seconds)" }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
