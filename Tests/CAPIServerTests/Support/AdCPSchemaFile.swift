import CAPICore
import Foundation
import Synchronization

/// The AdCP schema files the repository keeps under `schemas/adcp/3.2/`:
/// the same files the build embeds as the MCP tools' input schemas.
enum AdCPSchemaFile: String, CaseIterable, Sendable {
    case capabilitiesRequest = "protocol/get-adcp-capabilities-request.json"
    case capabilitiesResponse = "protocol/get-adcp-capabilities-response.json"
    case syncEventSourcesRequest = "media-buy/sync-event-sources-request.json"
    case syncEventSourcesResponse = "media-buy/sync-event-sources-response.json"
    case logEventRequest = "media-buy/log-event-request.json"
    case logEventResponse = "media-buy/log-event-response.json"
    case deliveryRequest = "media-buy/get-media-buy-delivery-request.json"
    case deliveryResponse = "media-buy/get-media-buy-delivery-response.json"

    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/adcp/3.2")

    /// Parsed once per test process: the delivery response schema alone is megabytes.
    private static let parsed = Mutex<[AdCPSchemaFile: JSONValue]>([:])

    var schema: JSONValue {
        get throws {
            if let cached = Self.parsed.withLock({ $0[self] }) { return cached }
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(rawValue))
            let value = try JSONDecoder().decode(JSONValue.self, from: data)
            Self.parsed.withLock { $0[self] = value }
            return value
        }
    }

    /// The schema's violations by `instance`, one line each.
    func failures(_ instance: JSONValue) throws -> [String] {
        JSONSchemaValidator(schema: try schema).failures(instance).map(\.description)
    }

    /// A REST answer as its MCP twin sends it: the envelope's `status` added.
    static func enveloped(_ body: JSONValue, status: String = "completed") -> JSONValue {
        guard case .object(var object) = body else { return body }
        if object["status"] == nil { object["status"] = .string(status) }
        return .object(object)
    }
}
