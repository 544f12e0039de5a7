import Foundation
import PackagePlugin

/// Compiles `OpenAPI/openapi.json` of the target into a Swift string at
/// build time, so the binary serves the document without reading a file.
@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = target.directoryURL.appending(path: "OpenAPI/openapi.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument.swift")
        return [.buildCommand(
            displayName: "Embedding \(input.lastPathComponent) in \(target.name)",
            executable: try context.tool(named: "capi-embed-text").url,
            arguments: [input.path, output.path, "OpenAPIDocument"],
            inputFiles: [input], outputFiles: [output])]
    }
}
