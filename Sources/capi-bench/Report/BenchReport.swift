import Foundation

/// Everything one bench run measured: printed as a table, written as JSON.
struct BenchReport: Codable, Sendable {
    struct Machine: Codable, Sendable {
        var cpus: Int
        var cpuModel: String
        var memoryGiB: Double
    }

    struct Config: Codable, Sendable {
        var batchEvents: Int
        var sustainedBatchEvents: Int
        var clients: Int
        var durationSeconds: Double
        var repetitions: Int
        var sustainedRepetitions: Int
        var duplicateShare: Double
        var scatteredIDs: Bool
        var seed: UInt64
        /// nil when no ingestion measure ran (`--reports-only`).
        var bytesPerEvent: Double?
        var target: String
        /// Measure 6's size (0: skipped) and timed calls.
        var reportImpressions: Int
        var reportRepetitions: Int
        /// Events stored before the measures (`--preload`; 0: a fresh store).
        var preload: Int
    }

    /// One line of the table: a figure, its target and the verdict.
    struct Row: Codable, Sendable {
        var id: String
        var name: String
        var unit: String
        /// nil when the figure could not be measured; `note` says why.
        var summary: Summary?
        /// The raw per-repetition values the summary was taken over.
        var values: [Double]
        var target: String
        /// "pass", "miss" or "n/a".
        var verdict: String
        var note: String?
    }

    var startedAt: String
    var machine: Machine
    var config: Config
    var rows: [Row]

    func table() -> String {
        var lines: [String] = []
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func num(_ v: Double?) -> String {
            guard let v else { return "—" }
            return v >= 1000 ? String(format: "%.0f", v) : String(format: "%.1f", v)
        }
        let header = [pad("#", 5), pad("measure", 44), pad("median", 10), pad("p99", 10), pad("min", 10), pad("max", 10), pad("n", 5), pad("target", 16), "verdict"]
        lines.append(header.joined(separator: " "))
        lines.append(String(repeating: "-", count: 125))
        for row in rows {
            let s = row.summary
            lines.append([
                pad(row.id, 5), pad("\(row.name) [\(row.unit)]", 44), pad(num(s?.median), 10), pad(num(s?.p99), 10),
                pad(num(s?.min), 10), pad(num(s?.max), 10), pad(s.map { String($0.count) } ?? "0", 5),
                pad(row.target, 16), row.verdict + (row.note.map { "  (\($0))" } ?? ""),
            ].joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    func write(json path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    static func machine() -> Machine {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return Machine(
            cpus: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
            memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10)
    }
}
