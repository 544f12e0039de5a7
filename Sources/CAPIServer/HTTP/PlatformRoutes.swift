import CAPICore
import HTTPTypes
import Hummingbird

/// The ad platform's door: media buys and the exposure feed (platform keys),
/// plus the attribution explanation advertisers read.
struct PlatformRoutes {
    let service: ConversionService

    func register(on api: RouterGroup<CAPIRequestContext>) {
        api.put("media-buys/:media_buy_id") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("media_buy_id")
            var request = request
            switch try await request.jsonBody(maxBytes: service.settings.maxBodyBytes) {
            case .refused(let response): return response
            case .bytes(let body):
                return .answer(await service.putMediaBuy(id: id, body: body, principal: principal, logger: context.logger))
            }
        }
        api.get("media-buys/:media_buy_id") { _, context in
            Response.answer(await service.mediaBuy(
                id: try context.parameters.require("media_buy_id"), principal: try context.requirePrincipal(), logger: context.logger))
        }
        api.get("media-buys") { request, context in
            Response.answer(await service.mediaBuys(
                accountID: request.uri.queryParameters["account_id"].map(String.init), principal: try context.requirePrincipal(),
                logger: context.logger))
        }
        api.post("exposures") { request, context in
            let principal = try context.requirePrincipal()
            let ndjsonTypes = ["application/x-ndjson", "application/jsonl"]
            let ndjson = ndjsonTypes.contains { (request.headers[.contentType]?.lowercased() ?? "").hasPrefix($0) }
            var request = request
            switch try await request.jsonBody(maxBytes: service.settings.maxExposureBodyBytes, accepting: ["application/json"] + ndjsonTypes) {
            case .refused(let response): return response
            case .bytes(let body):
                return .answer(await service.ingestExposures(body: body, ndjson: ndjson, principal: principal, logger: context.logger))
            }
        }
        api.get("attributions") { request, context in
            let q = request.uri.queryParameters
            return Response.answer(await service.explainAttribution(
                eventSourceID: q["event_source_id"].map(String.init), eventType: q["event_type"].map(String.init),
                eventID: q["event_id"].map(String.init), principal: try context.requirePrincipal(), logger: context.logger))
        }
    }
}

/// Signed click redirects and impression pixels: no API key, the signature
/// is the credential.
struct LinkRoutes {
    let service: ConversionService

    /// A transparent 1×1 GIF.
    static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    func register(on api: RouterGroup<CAPIRequestContext>) {
        api.get("click/:media_buy_id/:package_id/:creative_id") { request, context in
            switch await record(.click, request, context) {
            case .refused(let failure): return Response.failure(failure)
            case .recorded(let location):
                return Response(
                    status: .found,
                    headers: [.location: location ?? "/", .cacheControl: "no-store"])
            }
        }
        api.get("impression/:media_buy_id/:package_id/:creative_id") { request, context in
            switch await record(.impression, request, context) {
            case .refused(let failure): return Response.failure(failure)
            case .recorded:
                return Response(
                    status: .ok,
                    headers: [.contentType: "image/gif", .cacheControl: "no-cache, no-store, must-revalidate", .expires: "0"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.pixel)))
            }
        }
    }

    func record(_ kind: Exposure.Kind, _ request: Request, _ context: CAPIRequestContext) async -> ConversionService.LinkOutcome {
        let p = context.parameters
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        var ip = context.remoteAddress?.ipAddress
        if service.settings.trustForwardedFor, let forwarded = request.headers[.xForwardedFor] {
            ip = forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ip
        }
        return await service.recordLink(
            kind: kind, path: request.uri.path,
            mediaBuyID: p.get("media_buy_id") ?? "", packageID: p.get("package_id") ?? "", creativeID: p.get("creative_id") ?? "",
            parameters: parameters, clientIP: ip, userAgent: request.headers[.userAgent], logger: context.logger)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension CAPIRequestContext {
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw HTTPError(.unauthorized) }
        return principal
    }
}
