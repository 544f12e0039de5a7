/// How long after an exposure a conversion may still be credited to it.
public struct AttributionWindow: Sendable, Equatable, Hashable {
    public var postClick: WindowDuration
    public var postView: WindowDuration

    public init(postClick: WindowDuration, postView: WindowDuration) {
        self.postClick = postClick
        self.postView = postView
    }

    /// 28 days after a click, 1 day after an impression.
    public static let standard = AttributionWindow(
        postClick: WindowDuration(interval: 28, unit: .days), postView: WindowDuration(interval: 1, unit: .days))

    /// Reads `ext.attribution_window` of an event source; absent parts keep the standard.
    /// Returns the error to report on the source when it is malformed.
    public static func from(sourceExt ext: JSONValue?) -> Result<AttributionWindow, AdCPError> {
        guard let value = ext?["attribution_window"], value != .null else { return .success(.standard) }
        let base = "ext.attribution_window"
        guard case .object = value else {
            return .failure(AdCPError(.invalidRequest, "\(base) must be an object with post_click and/or post_view", field: base))
        }
        var window = AttributionWindow.standard
        for (key, path) in [("post_click", \AttributionWindow.postClick), ("post_view", \AttributionWindow.postView)] {
            guard let part = value[key], part != .null else { continue }
            switch WindowDuration.parse(part, field: "\(base).\(key)") {
            case .success(let d): window[keyPath: path] = d
            case .failure(let e): return .failure(e)
            }
        }
        return .success(window)
    }
}

/// An AdCP duration (core/duration.json) limited to fixed units.
public struct WindowDuration: Sendable, Equatable, Hashable {
    public enum Unit: String, Sendable, CaseIterable {
        case seconds, minutes, hours, days

        var milliseconds: Int64 {
            switch self {
            case .seconds: 1000
            case .minutes: 60_000
            case .hours: 3_600_000
            case .days: 86_400_000
            }
        }
    }

    public var interval: Int
    public var unit: Unit

    public init(interval: Int, unit: Unit) {
        self.interval = interval
        self.unit = unit
    }

    public var milliseconds: Int64 { Int64(interval) * unit.milliseconds }

    static func parse(_ value: JSONValue, field: String) -> Result<WindowDuration, AdCPError> {
        guard case .number(let n)? = value["interval"], n >= 1, n.rounded() == n, n <= 3650 * 86_400 else {
            return .failure(AdCPError(.invalidRequest, "\(field).interval must be a whole number, 1 or more", field: "\(field).interval"))
        }
        guard let name = value["unit"]?.stringValue, let unit = Unit(rawValue: name) else {
            return .failure(AdCPError(
                .invalidRequest, "\(field).unit must be one of seconds, minutes, hours, days", field: "\(field).unit"))
        }
        let d = WindowDuration(interval: Int(n), unit: unit)
        guard d.milliseconds <= 400 * 86_400_000 else {
            return .failure(AdCPError(.invalidRequest, "\(field) may be at most 400 days", field: field))
        }
        return .success(d)
    }
}
