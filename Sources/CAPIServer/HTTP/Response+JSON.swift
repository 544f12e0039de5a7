import Hummingbird

extension Response {
    /// A JSON response from bytes that are already encoded.
    static func json(_ bytes: [UInt8], status: Int) -> Response {
        json(ServiceReply(status: status, body: bytes))
    }

    static func json(_ reply: ServiceReply) -> Response {
        Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: [.contentType: reply.contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
