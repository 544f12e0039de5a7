// Build-time tool of the EmbedResources plugin: writes text files as static
// Swift raw string literals of one type.
// Usage: capi-embed-text OUTPUT.swift TYPE NAME=INPUT...
import Foundation

let arguments = CommandLine.arguments
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("capi-embed-text: \(message)\n".utf8))
    exit(2)
}
guard arguments.count >= 4 else { fail("usage: capi-embed-text OUTPUT.swift TYPE NAME=INPUT...") }

var members: [String] = []
for pair in arguments.dropFirst(3) {
    guard let equals = pair.firstIndex(of: "=") else { fail("expected NAME=INPUT, got \(pair)") }
    let name = String(pair[..<equals])
    let path = String(pair[pair.index(after: equals)...])
    let text = try String(contentsOfFile: path, encoding: .utf8)
    // Enough #s that no quote or backslash in the text ends or escapes the literal.
    var hashes = "#"
    while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    members.append("""
            /// The text of \((path as NSString).lastPathComponent), without its final newline.
            static let \(name) = \(hashes)\"\"\"
        \(body)
        \"\"\"\(hashes)
        """)
}
let source = """
    // Generated at build time by the EmbedResources plugin. Do not edit.
    enum \(arguments[2]) {
    \(members.joined(separator: "\n\n"))
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[1]), options: .atomic)
