import Synchronization

/// The dedup index's newest entries, kept in memory until the merger
/// (`EventIDMerger`) writes them into the index file in one sorted pass.
///
/// A new event's entry lands on a random page of the file when its id is
/// random (a UUID), and SQLite writes every page a commit dirtied whole to
/// the WAL: written one batch at a time, nearly every new event cost a page.
/// Here the writer only reads the file; entries wait in memory, and the
/// merger, on a connection of its own and the other core, files hundreds of
/// thousands of them at once, in place order, so each page it dirties takes
/// many (docs/architecture.md, "The dedup index").
///
/// Entries live in generations: `active` takes the writer's new entries;
/// once it holds `mergeAt`, it becomes `merging`, which the merger writes
/// while lookups still see it. The writer drops a generation the merger has
/// committed at the start of its next transaction, before that transaction
/// reads the file, so every entry is always in memory or in the file it
/// reads. Nothing here is durable: after a crash the store's open indexes
/// the events past what the file covers (`EventIDIndex.reconcile`).
final class RecentEventPlaces: Sendable {
    /// Entries of one generation: a place's first seq, and the seqs of other
    /// keys of the same place (rare; the merger files them as collisions).
    struct Generation: Sendable {
        var first: [Int64: Int64] = [:]
        var more: [Int64: [Int64]] = [:]
        var count = 0

        func contains(_ place: Int64) -> Bool { first[place] != nil }

        mutating func add(place: Int64, seq: Int64) {
            if first[place] == nil { first[place] = seq } else { more[place, default: []].append(seq) }
            count += 1
        }

        /// Takes back an entry `add` made.
        mutating func remove(place: Int64, seq: Int64) {
            if var others = more[place], let i = others.lastIndex(of: seq) {
                others.remove(at: i)
                more[place] = others.isEmpty ? nil : others
            } else if first[place] == seq {
                first[place] = nil
            } else {
                return
            }
            count -= 1
        }

        func seqs(at place: Int64) -> [Int64] {
            guard let seq = first[place] else { return [] }
            return [seq] + (more[place] ?? [])
        }

        /// Every entry, in (place, seq) order: how the merger writes them.
        func sorted() -> [(place: Int64, seq: Int64)] {
            var all: [(place: Int64, seq: Int64)] = []
            all.reserveCapacity(count)
            for (place, seq) in first { all.append((place, seq)) }
            for (place, seqs) in more { for seq in seqs { all.append((place, seq)) } }
            all.sort { ($0.place, $0.seq) < ($1.place, $1.seq) }
            return all
        }
    }

    struct State: Sendable {
        var active = Generation()
        var merging = Generation()
        /// The last seq of an event whose entry is in `merging` or before.
        var mergingThrough: Int64 = 0
        /// The merger committed `merging` into the file.
        var merged = false
        /// A merge is queued or running.
        var mergeRunning = false
        /// Entries the writer's open transaction added, taken back if it rolls back.
        var uncommitted: [(place: Int64, seq: Int64)] = []
        /// The last seq of a committed event.
        var committedThrough: Int64 = 0
        /// Where the index's keys go, once the store has opened it.
        var places: EventPlaces?

        func contains(_ place: Int64) -> Bool { active.contains(place) || merging.contains(place) }

        func seqs(at place: Int64) -> [Int64] { active.seqs(at: place) + merging.seqs(at: place) }

        /// Adds the entry of a new event of the open transaction.
        mutating func add(place: Int64, seq: Int64) {
            active.add(place: place, seq: seq)
            uncommitted.append((place, seq))
        }
    }

    /// Entries a generation gathers before it is merged.
    let mergeAt: Int
    /// Entries past which the writer waits for a running merge instead of
    /// gathering more: the bound on memory when the merger falls behind.
    var waitAt: Int { 4 * mergeAt }

    let state = Mutex(State())

    init(mergeAt: Int = RecentEventPlaces.defaultMergeAt) {
        self.mergeAt = mergeAt
    }

    /// Half a million entries: about 16 MiB a generation.
    static let defaultMergeAt = 1 << 19

    /// The seqs stored under `place` that are not in the file yet. A reader
    /// asks before it reads the file in its transaction (see the type).
    func seqs(at place: Int64) -> [Int64] {
        state.withLock { $0.seqs(at: place) }
    }

    /// The place of `key`, once the store has opened the index (its hash key
    /// is the file's, and never changes while the store is open).
    func place(_ key: EventDedupKey) -> Int64? {
        state.withLock { $0.places }?.place(key)
    }

    /// What to do after a write transaction.
    enum AfterCommit {
        case nothing
        /// Hand `merging` to the merger.
        case merge
        /// Wait for the running merge (memory is at its bound), then ask again.
        case waitForMerge
    }

    /// Before a write transaction: drops the generation the merger has
    /// committed, so the transaction reads its entries in the file.
    func beginWrite() {
        state.withLock { state in
            guard state.merged else { return }
            state.merging = Generation()
            state.merged = false
        }
    }

    /// After the writer's transaction committed: its entries are the
    /// active generation's for good; a full one becomes `merging`.
    func commit() -> AfterCommit {
        state.withLock { state in
            for entry in state.uncommitted { state.committedThrough = max(state.committedThrough, entry.seq) }
            state.uncommitted.removeAll(keepingCapacity: true)
            if state.merged {
                state.merging = Generation()
                state.merged = false
            }
            guard state.active.count >= mergeAt else { return .nothing }
            guard !state.mergeRunning else { return state.active.count >= waitAt ? .waitForMerge : .nothing }
            Self.handOver(&state)
            return .merge
        }
    }

    /// After the writer's transaction rolled back: its entries are taken back.
    func rollback() {
        state.withLock { state in
            for entry in state.uncommitted.reversed() { state.active.remove(place: entry.place, seq: entry.seq) }
            state.uncommitted.removeAll(keepingCapacity: true)
        }
    }

    /// Makes every committed entry `merging`, when no merge runs: how the
    /// store's close files them all. False if there is nothing to merge.
    func handOverAll() -> Bool {
        state.withLock { state in
            if state.merged {
                state.merging = Generation()
                state.merged = false
            }
            guard !state.mergeRunning, state.active.count > 0 else { return false }
            Self.handOver(&state)
            return true
        }
    }

    private static func handOver(_ state: inout State) {
        state.merging = state.active
        state.active = Generation()
        state.mergingThrough = state.committedThrough
        state.mergeRunning = true
    }

    /// The merger's view of the generation to write: its entries in order
    /// and the seq the file covers once they are in.
    func toMerge() -> (entries: [(place: Int64, seq: Int64)], through: Int64) {
        let (generation, through) = state.withLock { ($0.merging, $0.mergingThrough) }
        return (generation.sorted(), through)
    }

    /// The merger committed `merging` (or failed to: then it stays in memory
    /// and is tried again with the next hand-over).
    func mergeEnded(committed: Bool) {
        state.withLock { state in
            state.mergeRunning = false
            if committed {
                state.merged = true
            } else {
                for (place, seq) in state.merging.sorted() { state.active.add(place: place, seq: seq) }
                state.merging = Generation()
            }
        }
    }
}
