import CAPICore
import Hummingbird
import NIOCore

extension Request {
    /// The body of a JSON request as bytes, or the 413/415 response to send.
    /// A declared Content-Length over the limit is refused before reading.
    mutating func jsonBody(maxBytes: Int, accepting mediaTypes: [String] = ["application/json"]) async throws -> JSONBody {
        if let refusal = unsupportedMediaType(accepting: mediaTypes) { return .refused(refusal) }
        let tooLarge = Response.adcpError(413, AdCPError(
            .invalidRequest, "The request body is larger than \(maxBytes) bytes; split the batch",
            suggestion: "Send at most 10,000 events per request, or raise CAPI_MAX_BODY_BYTES"))
        let declared = headers[.contentLength].flatMap(Int.init)
        if let declared, declared > maxBytes {
            return .refused(tooLarge)
        }
        // Straight into one array sized from Content-Length: no buffer that
        // grows by doubling, and no copy of the whole body at the end.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(declared ?? 64 * 1024, maxBytes))
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= maxBytes else { return .refused(tooLarge) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return .bytes(bytes)
    }
}

extension Request {
    /// The 415 for a body of another media type than `mediaTypes`, or nil.
    func unsupportedMediaType(accepting mediaTypes: [String] = ["application/json"]) -> Response? {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !mediaTypes.contains(mediaType) else { return nil }
        return .adcpError(415, AdCPError(
            .invalidRequest, "Content-Type must be \(mediaTypes.joined(separator: " or "))",
            suggestion: "Send the header 'Content-Type: application/json'"))
    }

    /// The declared length of a body to store while it arrives: a JSON
    /// body of at least `minBytes` and at most `maxBytes`; nil otherwise.
    func streamableLength(minBytes: Int, maxBytes: Int) -> Int? {
        guard let declared = headers[.contentLength].flatMap(Int.init), declared >= minBytes, declared <= maxBytes,
              unsupportedMediaType() == nil
        else { return nil }
        return declared
    }
}

/// A JSON body that was read, or the response that refuses it.
enum JSONBody {
    case bytes([UInt8])
    case refused(Response)
}
