/// One row of the exposure feed as read: each member capi knows, by the
/// kind of JSON it holds, without a tree of the row (a request holds up to
/// 100,000 rows). Members capi does not know are skipped; null reads as
/// absent. Whether a member has the right kind is the service's check
/// (`ConversionService.exposure(from:)`), so a wrong kind fails only its row.
public struct ExposureFeedRow: Sendable, Equatable {
    /// A member's value, as far as the feed cares.
    public enum Member: Sendable, Equatable {
        case string(String)
        case number(Double)
        /// An object, an array or a boolean.
        case other

        public var string: String? {
            if case .string(let s) = self { s } else { nil }
        }
    }

    /// One element of `uids`.
    public enum UID: Sendable, Equatable {
        case uid(type: Member?, value: Member?)
        case notAnObject
    }

    /// `uids`, when present.
    public enum UIDs: Sendable, Equatable {
        case list([UID])
        /// Not an array.
        case other
    }

    /// False when the row is not a JSON object at all.
    public var isObject = true
    public var exposureID: Member?
    public var type: Member?
    public var mediaBuyID: Member?
    public var packageID: Member?
    public var creativeID: Member?
    public var time: Member?
    public var cost: Member?
    public var clickID: Member?
    public var hashedEmail: Member?
    public var hashedPhone: Member?
    public var clientIP: Member?
    public var clientUserAgent: Member?
    public var uids: UIDs?

    public init() {}

    /// Reads the value at the reader's position as a row.
    public static func read(_ r: inout JSONReader) throws(JSONSyntaxError) -> ExposureFeedRow {
        var row = ExposureFeedRow()
        guard try r.peekKind() == .object else {
            try r.skipValue()
            row.isObject = false
            return row
        }
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("exposure_id") { row.exposureID = try member(&r) }
            else if key.matches("type") { row.type = try member(&r) }
            else if key.matches("media_buy_id") { row.mediaBuyID = try member(&r) }
            else if key.matches("package_id") { row.packageID = try member(&r) }
            else if key.matches("creative_id") { row.creativeID = try member(&r) }
            else if key.matches("time") { row.time = try member(&r) }
            else if key.matches("cost") { row.cost = try member(&r) }
            else if key.matches("click_id") { row.clickID = try member(&r) }
            else if key.matches("hashed_email") { row.hashedEmail = try member(&r) }
            else if key.matches("hashed_phone") { row.hashedPhone = try member(&r) }
            else if key.matches("client_ip") { row.clientIP = try member(&r) }
            else if key.matches("client_user_agent") { row.clientUserAgent = try member(&r) }
            else if key.matches("uids") { row.uids = try uids(&r) }
            else { try r.skipValue() }
        }
        return row
    }

    private static func member(_ r: inout JSONReader) throws(JSONSyntaxError) -> Member? {
        switch try r.peekKind() {
        case .string: return .string(try r.readString())
        case .number: return .number(try r.readNumber())
        case .null: try r.readNull(); return nil
        case .object, .array, .bool: try r.skipValue(); return .other
        }
    }

    private static func uids(_ r: inout JSONReader) throws(JSONSyntaxError) -> UIDs? {
        switch try r.peekKind() {
        case .null: try r.readNull(); return nil
        case .array: break
        default: try r.skipValue(); return .other
        }
        var items: [UID] = []
        try r.readArray { (r, _) throws(JSONSyntaxError) in
            guard try r.peekKind() == .object else {
                try r.skipValue()
                items.append(.notAnObject)
                return
            }
            var type: Member?
            var value: Member?
            try r.readMembers { (r, key) throws(JSONSyntaxError) in
                if key.matches("type") { type = try member(&r) }
                else if key.matches("value") { value = try member(&r) }
                else { try r.skipValue() }
            }
            items.append(.uid(type: type, value: value))
        }
        return .list(items)
    }
}
