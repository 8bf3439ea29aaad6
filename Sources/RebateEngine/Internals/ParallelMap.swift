import Dispatch
import Synchronization

/// Work items run on several threads, each result written into its own slot.
///
/// The one way the library gathers what parallel workers produce: no lock is taken, and results
/// come back in index order whatever the thread count, so callers need no sort to stay deterministic.
enum ParallelMap {
    /// `body(0) ... body(count - 1)` on up to `threads` workers, returned in index order.
    ///
    /// Each index is claimed once through an atomic counter; after the first failure the workers
    /// claim nothing more, and the failure of the lowest failing index is thrown.
    /// - Complexity: O(count) besides the work itself.
    static func run<T, Failure: Error>(_ count: Int, threads: Int, _ body: (Int) throws(Failure) -> T) throws(Failure)
        -> [T]
    {
        var results = [T?](repeating: nil, count: count)
        var failures = [Failure?](repeating: nil, count: count)
        withoutActuallyEscaping(body) { body in
            // Read-only: `body` is only called; what it captures, the caller shares under one of
            // UnsafeTransfer's disciplines (said where it is called).
            let work = UnsafeTransfer(body)
            results.withUnsafeMutableBufferPointer { r in
                failures.withUnsafeMutableBufferPointer { f in
                    // Disjoint writes: index k, claimed once, writes only slot k of each buffer.
                    let slots = UnsafeTransfer((r, f))
                    let next = Atomic<Int>(0)
                    let stop = Atomic<Bool>(false)
                    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
                        let (results, failures) = slots.wrappedValue
                        while !stop.load(ordering: .relaxed) {
                            let k = next.add(1, ordering: .relaxed).oldValue
                            if k >= count { return }
                            do throws(Failure) {
                                results[k] = try work.wrappedValue(k)
                            } catch {
                                failures[k] = error
                                stop.store(true, ordering: .relaxed)
                            }
                        }
                    }
                }
            }
        }
        if let error = failures.lazy.compactMap({ $0 }).first { throw error }
        return results.map { $0! }
    }
}
