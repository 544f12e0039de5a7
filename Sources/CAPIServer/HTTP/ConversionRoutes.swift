import CAPICore
import Foundation
import Hummingbird

/// The REST door: Scope3's conversion endpoint and its companions.
struct ConversionRoutes {
    let service: ConversionService

    func register(on api: RouterGroup<CAPIRequestContext>) {
        api.post("capi") { request, context in
            let settings = service.settings
            if let principal = context.principal,
               let declared = request.streamableLength(minBytes: settings.streamingMinBytes, maxBytes: settings.maxBodyBytes) {
                return try await logEventArriving(request, context, declared: declared, principal: principal)
            }
            return try await handleJSON(request, context) { body, principal in
                .answer(await service.logEvent(body: body, principal: principal, logger: context.logger))
            }
        }
        api.post("event-sources/sync") { request, context in
            try await handleJSON(request, context) { body, principal in
                .answer(await service.syncEventSources(body: body, principal: principal, logger: context.logger))
            }
        }
        api.post("delivery") { request, context in
            try await handleJSON(request, context) { body, principal in
                .answer(await service.mediaBuyDelivery(body: body, principal: principal, logger: context.logger))
            }
        }
        api.get("event-sources/:event_source_id") { _, context in
            // The router hands the segment over still percent-encoded
            // (`my%20source`); the id is what it encodes.
            let raw = try context.parameters.require("event_source_id")
            guard let id = raw.removingPercentEncoding else {
                return Response.failure(.invalid(AdCPError(
                    .invalidRequest, "event_source_id is not percent-encoded UTF-8", field: "event_source_id")))
            }
            return Response.answer(await service.eventSourceDetail(
                id: id, principal: try context.requirePrincipal(), logger: context.logger))
        }
        api.get("reports/delivery") { request, context in
            let q = request.uri.queryParameters
            let ids = q.getAll("media_buy_id").flatMap { $0.split(separator: ",").map(String.init) }
            let answer = await service.deliveryRows(
                mediaBuyIDs: ids, from: q["from"].map(String.init), to: q["to"].map(String.init),
                groupBy: q["group_by"].map(String.init), format: q["format"].map(String.init),
                principal: try context.requirePrincipal(), logger: context.logger)
            if case .done(let report) = answer, let csv = report.csv {
                return Response.json(Array(csv.utf8), status: 200, contentType: "text/csv; charset=utf-8")
            }
            return Response.answer(answer)
        }
        api.get("test-events") { request, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized) }
            let query = request.uri.queryParameters
            return Response.answer(await service.testEvents(
                eventSourceID: query["event_source_id"].map(String.init),
                testEventCode: query["test_event_code"].map(String.init),
                limit: query["limit"].flatMap { Int(String($0)) },
                principal: principal, logger: context.logger))
        }
    }

    /// Bytes that arrive between two readings of a body stored as it arrives.
    static let wakeBytes = 256 * 1024

    /// A large log_event body, stored while it arrives
    /// (`ConversionService.logEventArriving`), or read whole once complete
    /// when it cannot be.
    func logEventArriving(
        _ request: Request, _ context: CAPIRequestContext, declared: Int, principal: Principal
    ) async throws -> Response {
        let body = BatchBytes(capacity: declared)
        let (arrivals, arrived) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        async let streamed = service.logEventArriving(body, arrivals: arrivals, principal: principal)
        do {
            // The reader wakes every `wakeBytes` or so, not on each 64 KiB chunk.
            var told = 0
            for try await chunk in request.body {
                guard chunk.withUnsafeReadableBytes({ body.append($0) }) else { break }
                if body.count - told >= Self.wakeBytes || body.isComplete {
                    told = body.count
                    arrived.yield()
                }
            }
        } catch {
            arrived.finish()
            _ = await streamed
            throw error
        }
        arrived.finish()
        if let answer = await streamed { return .answer(answer) }
        guard body.isComplete else {
            return .failure(.invalid(AdCPError(
                .invalidRequest, "The body does not match its Content-Length of \(declared) bytes")))
        }
        return .answer(await service.logEvent(body: body, principal: principal, logger: context.logger))
    }

    /// Reads a JSON body within the limits and hands it to a service call.
    func handleJSON(
        _ request: Request, _ context: CAPIRequestContext,
        _ call: ([UInt8], Principal) async -> Response
    ) async throws -> Response {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        var request = request
        switch try await request.jsonBody(maxBytes: service.settings.maxBodyBytes) {
        case .refused(let response): return response
        case .bytes(let body): return await call(body, principal)
        }
    }
}
