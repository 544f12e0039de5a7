import Foundation

/// Reads samples out of a Prometheus text exposition, labels in any order.
struct MetricsText {
    let text: String

    /// The value of the sample `name` whose labels include `labels`; nil when
    /// there is none. Several matching samples are summed.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        var found: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let seriesName = series.firstIndex(of: "{").map { series[..<$0] } ?? series
            guard seriesName == name else { continue }
            let given = Self.labels(series)
            guard labels.allSatisfy({ given[$0.key] == $0.value }) else { continue }
            found = (found ?? 0) + value
        }
        return found
    }

    /// `a="x",b="y"` between the braces (values here hold no quotes or commas).
    static func labels(_ series: Substring) -> [String: String] {
        guard let open = series.firstIndex(of: "{"), let close = series.lastIndex(of: "}") else { return [:] }
        var out: [String: String] = [:]
        for pair in series[series.index(after: open)..<close].split(separator: ",") {
            guard let eq = pair.firstIndex(of: "=") else { continue }
            out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]).trimmingCharacters(in: ["\""])
        }
        return out
    }
}

extension TestServer {
    /// `GET /metrics`, read.
    func metrics() async throws -> MetricsText {
        let reply = try await request("GET", "/metrics", contentType: nil)
        return MetricsText(text: reply.text)
    }
}
