/// How the server's allocator hands memory back.
///
/// The server allocates large short-lived blocks on whichever thread runs
/// the work: a generation of the dedup index's entries (`RecentEventPlaces`),
/// its sorted copy on the merger's thread, a run of the exposure feed.
/// glibc raises its memory-map threshold each time such a block is freed, so
/// later ones come from per-thread arenas that keep freed memory: resident
/// memory then grew with the events stored. A fixed threshold keeps every
/// block from `mmapThreshold` bytes up in a mapping of its own, returned to
/// the system when freed (docs/benchmarks.md has the figures).
enum MemoryPolicy {
    static let mmapThreshold: Int32 = 1 << 20

    static func apply() {
        #if os(Linux)
        _ = glibcMallopt(glibcMmapThreshold, mmapThreshold)
        #endif
    }

    /// `M_MMAP_THRESHOLD` in glibc's `<malloc.h>`, which Swift's Glibc module
    /// does not import.
    private static let glibcMmapThreshold: Int32 = -3
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
