/// The Cholesky factorization with diagonal pivoting of a symmetric positive semi-definite matrix (LAPACK's
/// dpstrf, unblocked), used for least squares whose normal matrix may be singular.
enum PivotedCholesky {
    /// cᵀ·C⁺·c for a symmetric positive semi-definite n×n matrix C (row-major, overwritten) and c in C's range:
    /// the explained sum of squares of a least-squares regression whose normal matrix is C and right-hand side c.
    /// Pivots smaller than `tolerance` × C's largest diagonal element count as zero (the directions they would
    /// add are linear combinations of those already taken), so exactly singular directions drop out.
    static func projectedSquare(_ c: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, n: Int,
                                tolerance: Double) -> Double {
        guard n > 0 else { return 0 }
        var largest = 0.0
        for i in 0..<n { largest = Swift.max(largest, c[i * n + i]) }
        guard largest > 0 else { return 0 }
        let floor = tolerance * largest
        var total = 0.0
        let column = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { column.deallocate() }
        for step in 0..<n {
            // The largest remaining diagonal element becomes the pivot: swap its row and column to `step`.
            var pivot = step
            for i in step..<n where c[i * n + i] > c[pivot * n + pivot] { pivot = i }
            let d = c[pivot * n + pivot]
            guard d > floor else { break }
            if pivot != step {
                for j in 0..<n { (c[step * n + j], c[pivot * n + j]) = (c[pivot * n + j], c[step * n + j]) }
                for i in 0..<n { (c[i * n + step], c[i * n + pivot]) = (c[i * n + pivot], c[i * n + step]) }
                (v[step], v[pivot]) = (v[pivot], v[step])
            }
            let l = d.squareRoot()
            let z = v[step] / l
            total += z * z
            // Column `step` of L below the pivot, then the rank-1 update of the whole trailing block (both
            // triangles, row by row, so that later row and column swaps stay valid).
            for i in (step + 1)..<n { column[i] = c[i * n + step] / l }
            for i in (step + 1)..<n {
                let li = column[i]
                v[i] -= li * z
                guard li != 0 else { continue }
                let row = c + i * n
                for j in (step + 1)..<n { row[j] -= li * column[j] }
            }
        }
        return total
    }
}
