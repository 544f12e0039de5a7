/// The AdCP error object (core/error.json): what every failure looks like on the wire.
public struct AdCPError: Error, Codable, Sendable, Equatable {
    public var code: String
    public var message: String
    public var field: String?
    public var suggestion: String?
    public var recovery: Recovery?
    /// Seconds to wait before retrying (`RATE_LIMITED`), 1…3600.
    public var retryAfter: Int?

    enum CodingKeys: String, CodingKey {
        case code, message, field, suggestion, recovery
        case retryAfter = "retry_after"
    }

    public enum Recovery: String, Codable, Sendable {
        case correctable, transient, terminal
    }

    public init(
        _ code: ErrorCode, _ message: String, field: String? = nil,
        suggestion: String? = nil
    ) {
        self.code = code.rawValue
        self.message = message
        self.field = field
        self.suggestion = suggestion
        self.recovery = code.recovery
    }
}

/// The error codes capi emits, with AdCP's recovery class for each.
public enum ErrorCode: String, Sendable, CaseIterable {
    case invalidRequest = "INVALID_REQUEST"
    case validationError = "VALIDATION_ERROR"
    case authRequired = "AUTH_REQUIRED"
    case authInvalid = "AUTH_INVALID"
    case permissionDenied = "PERMISSION_DENIED"
    case accountNotFound = "ACCOUNT_NOT_FOUND"
    case referenceNotFound = "REFERENCE_NOT_FOUND"
    case idempotencyConflict = "IDEMPOTENCY_CONFLICT"
    case unsupportedFeature = "UNSUPPORTED_FEATURE"
    case rateLimited = "RATE_LIMITED"
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    case conflict = "CONFLICT"
    case mediaBuyNotFound = "MEDIA_BUY_NOT_FOUND"

    public var recovery: AdCPError.Recovery {
        switch self {
        case .authInvalid, .permissionDenied: .terminal
        case .rateLimited, .serviceUnavailable: .transient
        default: .correctable
        }
    }
}

/// `{"errors": [...]}` — the AdCP shape of an operation-level failure.
public struct AdCPErrorResponse: Codable, Sendable, Equatable {
    public var errors: [AdCPError]
    public var ext: ErrorExt?

    public struct ErrorExt: Codable, Sendable, Equatable {
        /// How many errors there were when `errors` was capped.
        public var errors_total: Int
        public init(errors_total: Int) { self.errors_total = errors_total }
    }

    public init(errors: [AdCPError], total: Int? = nil) {
        self.errors = errors
        if let total, total > errors.count { ext = ErrorExt(errors_total: total) }
    }
}

extension AdCPError {
    /// An error read back from storage, whose code may be any string.
    public init(code: String, message: String, field: String?) {
        self.code = code
        self.message = message
        self.field = field
        self.recovery = ErrorCode(rawValue: code)?.recovery
    }
}
