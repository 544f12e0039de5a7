import CAPICore
import Hummingbird
import NIOCore

extension Request {
    /// The body of a JSON request as bytes, or the 413/415 response to send.
    /// A declared Content-Length over the limit is refused before reading.
    mutating func jsonBody(maxBytes: Int, accepting mediaTypes: [String] = ["application/json"]) async throws -> JSONBody {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
        guard mediaTypes.contains(mediaType) else {
            return .refused(.json(ConversionService.failure(415, AdCPError(
                .invalidRequest, "Content-Type must be \(mediaTypes.joined(separator: " or "))",
                suggestion: "Send the header 'Content-Type: application/json'"))))
        }
        let tooLarge = Response.json(ConversionService.failure(413, AdCPError(
            .invalidRequest, "The request body is larger than \(maxBytes) bytes; split the batch",
            suggestion: "Send at most 10,000 events per request, or raise CAPI_MAX_BODY_BYTES")))
        if let length = headers[.contentLength].flatMap(Int.init), length > maxBytes {
            return .refused(tooLarge)
        }
        do {
            let buffer = try await body.collect(upTo: maxBytes)
            return .bytes(Array(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            return .refused(tooLarge)
        }
    }
}

/// A JSON body that was read, or the response that refuses it.
enum JSONBody {
    case bytes([UInt8])
    case refused(Response)
}
