import ArgumentParser
import Foundation

/// The link-signing secret: from a file or the environment, never the database.
enum SigningSecret {
    static func load(file: String?) throws -> [UInt8]? {
        if let path = file ?? Env.string("CAPI_SIGNING_SECRET_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the signing secret file \(path)")
            }
            return try check(Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        }
        if let secret = Env.string("CAPI_SIGNING_SECRET") { return try check(Array(secret.utf8)) }
        return nil
    }

    static func check(_ secret: [UInt8]) throws -> [UInt8] {
        guard secret.count >= 16 else { throw ValidationError("the signing secret must be at least 16 bytes") }
        return secret
    }

    /// For `--demo`: a secret in a 0600 file next to the database, made once.
    static func demoSecret(in folder: String) throws -> [UInt8] {
        let path = folder + "/signing-secret"
        if let existing = try load(file: FileManager.default.fileExists(atPath: path) ? path : nil) { return existing }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        // Links signed with a secret that is not kept would stop verifying on the next start.
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write the demo signing secret to \(path)") }
        return Array(secret.utf8)
    }
}
