import Synchronization

/// How far a run has come, updated by the workers and read by a progress display.
///
/// Lock-free: the stage and counters are atomics, so workers never wait on
/// the display.
public final class RunProgress: Sendable {
    /// The stages a run goes through, in order.
    public static let stages = ["reading", "checking line ids", "computing", "writing"]

    /// Indices into ``stages``.
    public enum Stage: Int, Sendable { case reading, checkingIDs, computing, writing }
    private let stage = Atomic<Int>(-1)
    private let done = Atomic<Int>(0)
    private let total = Atomic<Int>(0)

    /// Creates a progress tracker in no stage.
    public init() {}

    /// Enters `stage` with `total` steps to do.
    public func begin(_ stage: Stage, total: Int) {
        done.store(0, ordering: .relaxed)
        self.total.store(max(1, total), ordering: .relaxed)
        self.stage.store(stage.rawValue, ordering: .releasing)
    }

    /// Records `steps` more steps done.
    public func advance(_ steps: Int = 1) {
        done.add(steps, ordering: .relaxed)
    }

    /// The current stage's name and percentage, or `nil` before the first stage.
    public var snapshot: (stage: String, percent: Int)? {
        let s = stage.load(ordering: .acquiring)
        guard s >= 0 else { return nil }
        let t = total.load(ordering: .relaxed)
        return (Self.stages[s], min(100, done.load(ordering: .relaxed) * 100 / max(1, t)))
    }
}
