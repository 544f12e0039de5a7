import CAPICore
import Crypto

/// The fingerprint an idempotency key is recorded with: a retry with the
/// same key replays the first answer only if its request has the same
/// fingerprint, and gets 409 otherwise. Both doors fingerprint the request
/// object itself (the REST body, MCP's `arguments`), never their envelope,
/// so a request retried through the other door replays.
///
/// Two forms, one per request size:
/// - Small requests (`sync_event_sources`): SHA-256 of the request's
///   canonical text (`JSONValue.canonicalText`: sorted keys, no white
///   space, one spelling per number and string). Any two encodings of the
///   same JSON match, whatever their member order or escapes.
/// - `log_event` (up to `maxBodyBytes`, thousands of events): SHA-256 of the
///   body's bytes without their insignificant white space
///   (`JSONText.forEachSignificantRun`). Building a canonical tree of a
///   7 MB batch would cost more than storing it, so the batch is hashed as
///   sent, minus the separators clients differ in (Python's `json.dumps`
///   writes `", "` and `": "`, MCP clients write compact JSON). Compact
///   text is a single run, so the hash is the one SHA-256 pass over the
///   bytes it always was, plus a scan that skips string contents eight
///   bytes at a time; it still runs only when a key is given, on another
///   core while the batch is read. Member order and escapes count here:
///   the same client sends the same batch the same way through either door.
enum RequestFingerprint {
    /// The canonical fingerprint of a small request.
    static func canonical(_ request: JSONValue) -> String {
        sha256Hex(Array(request.canonicalText.utf8))
    }

    /// The fingerprint of a large JSON request, white space aside.
    static func compactText(_ json: UnsafeBufferPointer<UInt8>) -> String {
        var hasher = SHA256()
        JSONText.forEachSignificantRun(json) { run in hasher.update(bufferPointer: UnsafeRawBufferPointer(run)) }
        return hex(hasher.finalize())
    }
}
