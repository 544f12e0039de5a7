import Foundation
import PackagePlugin

/// Compiles the data files CAPIServer serves into Swift strings at build
/// time, so the binary needs no file beside it: the OpenAPI document and
/// the AdCP request schemas the MCP tools publish as their `inputSchema`.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let schemas = context.package.directoryURL.appending(path: "schemas/adcp/3.2")
        // One generated Swift type per group; one static string per file.
        let groups: [(type: String, members: [(name: String, file: URL)])] = [
            ("OpenAPIDocument", [("text", target.directoryURL.appending(path: "OpenAPI/openapi.json"))]),
            ("AdCPRequestSchemas", [
                ("getAdcpCapabilities", schemas.appending(path: "protocol/get-adcp-capabilities-request.json")),
                ("syncEventSources", schemas.appending(path: "media-buy/sync-event-sources-request.json")),
                ("logEvent", schemas.appending(path: "media-buy/log-event-request.json")),
                ("getMediaBuyDelivery", schemas.appending(path: "media-buy/get-media-buy-delivery-request.json")),
            ]),
        ]
        let tool = try context.tool(named: "capi-embed-text").url
        return groups.map { group in
            let output = context.pluginWorkDirectoryURL.appending(path: "\(group.type).swift")
            return .buildCommand(
                displayName: "Embedding \(group.members.count) file(s) as \(group.type) in \(target.name)",
                executable: tool,
                arguments: [output.path, group.type] + group.members.map { "\($0.name)=\($0.file.path)" },
                inputFiles: group.members.map(\.file), outputFiles: [output])
        }
    }
}
