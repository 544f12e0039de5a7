// Build-time tool of the EmbedOpenAPI plugin: writes a text file as a Swift
// raw string literal. Usage: capi-embed-text INPUT OUTPUT.swift TYPE
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: capi-embed-text INPUT OUTPUT.swift TYPE\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
// Enough #s that no quote or backslash in the text ends or escapes the literal.
var hashes = "#"
while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
let source = """
    // Generated at build time from \((arguments[1] as NSString).lastPathComponent) by the EmbedOpenAPI plugin.
    enum \(arguments[3]) {
        /// The file's text, without its final newline.
        static let text = \(hashes)\"\"\"
    \(body)
    \"\"\"\(hashes)
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
