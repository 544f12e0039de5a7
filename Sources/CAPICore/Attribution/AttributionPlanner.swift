/// Plans an attribution pass: cross-source dedup, last-touch decisions,
/// counter and conversion rollup deltas, and cursor moves. Pure; a store reads the inputs in bulk
/// and writes the plan in one transaction.
public enum AttributionPlanner {
    /// Exposures examined per pass when looking for conversions they could
    /// claim: 40 per conversion the pass may take, at most 20,000, so a pass
    /// kept short (the worker's, while clients send) stays short.
    public static func exposureChunk(maxConversions: Int) -> Int { min(20_000, max(1, maxConversions) * 40) }

    /// The horizon rule: before any conversion was examined there is nothing
    /// to re-examine, so the pass takes every exposure at once.
    public static func takesAllExposures(_ cursors: AttributionCursors) -> Bool { cursors.conversions == 0 }

    /// The last exposure visible to the pass's decisions (later ones reach
    /// earlier conversions through re-examination): also the new exposures cursor.
    public static func horizon(_ cursors: AttributionCursors, exposuresSeen: Int64?) -> Int64 {
        max(cursors.exposures, exposuresSeen ?? cursors.exposures)
    }

    /// The event times of the conversions a late exposure at `time` could
    /// claim: up to the longest window of any source after it.
    public static func reach(ofExposureAt time: Int64, windows: AttributionWindows) -> ClosedRange<Int64> {
        let (end, overflow) = time.addingReportingOverflow(windows.longest)
        return time...(overflow ? .max : end)
    }

    /// The exposure times that can be credited with the conversion: its
    /// source's lookback before it, up to the conversion itself.
    public static func lookback(of c: PendingConversion, windows: AttributionWindows) -> ClosedRange<Int64> {
        let (start, overflow) = c.time.subtractingReportingOverflow(windows.lookback(accountID: c.account, eventSourceID: c.source))
        return (overflow ? .min : start)...c.time
    }

    /// Decides the entries in order. Each duplicate check sees the decisions
    /// made before it in this pass over the originals recorded before it.
    public static func plan(_ input: AttributionPassInput) -> AttributionPlan {
        var plan = AttributionPlan(cursors: input.cursors)
        // Non-duplicate seqs per key, ascending: the originals with this pass's decisions laid over them.
        var standing = input.originals.mapValues { $0.sorted() }
        var counters: [CounterKey: Int] = [:]
        var credits: [(credit: ConversionCredit, sign: Int)] = []

        for entry in input.entries {
            if case .rebuilt = entry.examination {
                let c = entry.conversion
                plan.cleared.append(c.seq)
                standing[c.conversionKey]?.removeAll { $0 == c.seq }
            }
        }
        for entry in input.entries {
            let c = entry.conversion
            let wasAttributed: Bool
            switch entry.examination {
            case .first:
                wasAttributed = false
                plan.indexed.append(c)
            case .again(let previous):
                wasAttributed = previous == .attributed
            case .rebuilt(let previous):
                wasAttributed = previous == .attributed
                plan.indexed.append(c)
            }
            let key = c.conversionKey
            var record: AttributionRecord
            if let original = standing[key]?.first, original < c.seq {
                record = AttributionRecord(conversion: c, status: .duplicate, duplicateOf: original, at: input.at)
                standing[key]?.removeAll { $0 == c.seq }
            } else {
                record = decide(c, entry.candidates, window: input.windows.window(accountID: c.account, eventSourceID: c.source), at: input.at)
                insert(c.seq, into: &standing[key, default: []])
            }
            plan.records.append(record)
            let isAttributed = record.status == .attributed
            if wasAttributed != isAttributed {
                counters[CounterKey(account: c.account, source: c.source, hour: RollupHour.of(c.receivedAt)), default: 0] += isAttributed ? 1 : -1
            }
            // The rollups follow the decision: the old credit out, the new one in.
            if wasAttributed, let old = entry.credited { credits.append((old, -1)) }
            if let new = ConversionCredit.of(record) { credits.append((new, 1)) }
        }
        plan.counters = counters.compactMap { key, delta in
            delta == 0 ? nil : AttributedCounterDelta(account: key.account, source: key.source, hour: key.hour, delta: delta)
        }.sorted { a, b in (a.account, a.source, a.hour) < (b.account, b.source, b.hour) }
        plan.rollups = ConversionRollupDelta.net(credits)
        let lastNew = input.entries.lazy.filter { $0.examination == .first }.map(\.conversion.seq).max()
        plan.cursors = AttributionCursors(
            conversions: max(input.cursors.conversions, lastNew ?? input.cursors.conversions),
            exposures: horizon(input.cursors, exposuresSeen: input.exposuresSeen))
        return plan
    }

    /// Runs the last-touch rules over the conversion's candidates. The
    /// strongest key to find an exposure names the match.
    static func decide(_ c: PendingConversion, _ candidates: [CandidateExposure], window: AttributionWindow, at: Int64) -> AttributionRecord {
        var found: [String: CandidateExposure] = [:]
        for candidate in candidates.sorted(by: { $0.keyIndex < $1.keyIndex }) where found[candidate.exposureID] == nil {
            found[candidate.exposureID] = candidate
        }
        let list = found.values.compactMap { f -> ExposureCandidate? in
            guard c.keys.indices.contains(f.keyIndex), let key = IdentityKey(storageKey: c.keys[f.keyIndex]) else { return nil }
            return ExposureCandidate(exposureID: f.exposureID, kind: Exposure.Kind(rawValue: f.kind) ?? .impression, time: f.time, matchedBy: key)
        }
        guard let decision = AttributionRules.decide(eventTime: c.time, window: window, candidates: list),
              let exposure = found[decision.exposureID]
        else { return AttributionRecord(conversion: c, status: .unattributed, at: at) }
        return AttributionRecord(conversion: c, status: .attributed, decision: decision, exposure: exposure, at: at)
    }

    private struct CounterKey: Hashable {
        var account: String
        var source: String
        var hour: Int64
    }

    private static func insert(_ seq: Int64, into list: inout [Int64]) {
        guard !list.contains(seq) else { return }
        list.insert(seq, at: list.firstIndex { $0 > seq } ?? list.endIndex)
    }
}
