/// Options of one accrual run.
public struct AccrualOptions: Sendable {
    /// Lines dated after this day are not yet known; months after it are not reported.
    public var asOf: CivilDate?
    /// Worker threads for the parallel stages; results never depend on it.
    public var threads: Int
    /// Where the run reports how far it has come, if anywhere.
    public var progress: RunProgress?
    /// The most lines one unit of parallel work holds (tests make it tiny to cut partners everywhere).
    var pieceLines: Int?

    /// Creates options; `threads` defaults to the number of active processors.
    public init(asOf: CivilDate? = nil, threads: Int? = nil, progress: RunProgress? = nil) {
        self.asOf = asOf
        self.threads = max(1, threads ?? AccrualEngine.defaultThreadCount)
        self.progress = progress
    }
}
