import Foundation

/// capi-bench: see `BenchOptions.usage`.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(BenchOptions.usage)
    exit(0)
}
do {
    let options = try BenchOptions.parse(arguments)
    if options.stagesOnly {
        let timer = StageTimer(events: options.batchEvents, repetitions: max(options.repetitions, 9), seed: options.seed)
        print(StageTimer.table(timer.run(), events: options.batchEvents))
        exit(0)
    }
    let report = try BenchRunner(options: options).run()
    print(report.table())
    if let path = options.jsonPath {
        try report.write(json: path)
        print("JSON summary written to \(path)")
    }
} catch let error as BenchError {
    FileHandle.standardError.write(Data("capi-bench: \(error.description)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("capi-bench: \(error)\n".utf8))
    exit(1)
}
