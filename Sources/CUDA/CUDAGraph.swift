import CCUDADriver

/// A CUDA graph recorded by stream capture. Instantiate it to replay it.
public final class CUDAGraph: @unchecked Sendable {
    let context: CUDAContext
    let handle: CUgraph

    init(context: CUDAContext, handle: CUgraph) {
        self.context = context
        self.handle = handle
    }

    deinit { _ = context.driver.api.pointee.cuGraphDestroy(handle) }

    /// Number of nodes (kernels, copies, memsets) captured.
    public func nodeCount() throws(CUDAError) -> Int {
        var count = 0
        try context.driver.check(context.driver.api.pointee.cuGraphGetNodes(handle, nil, &count), "cuGraphGetNodes")
        return count
    }

    public func instantiate() throws(CUDAError) -> CUDAGraphExec {
        var exec: CUgraphExec?
        try context.driver.check(
            context.driver.api.pointee.cuGraphInstantiateWithFlags(&exec, handle, 0), "cuGraphInstantiateWithFlags")
        return CUDAGraphExec(context: context, handle: exec!)
    }
}

/// An instantiated graph: `launch` replays every captured node with the arguments they
/// were captured with (so replays read static buffers that the host rewrites in between).
public final class CUDAGraphExec: @unchecked Sendable {
    let context: CUDAContext
    let handle: CUgraphExec

    init(context: CUDAContext, handle: CUgraphExec) {
        self.context = context
        self.handle = handle
    }

    deinit { _ = context.driver.api.pointee.cuGraphExecDestroy(handle) }

    public func launch(on stream: CUDAStream) throws(CUDAError) {
        try context.driver.check(context.driver.api.pointee.cuGraphLaunch(handle, stream.handle), "cuGraphLaunch")
    }

    /// Takes the node parameters of `graph` (same topology, e.g. the same launches with new
    /// pointers) without re-instantiating.
    public func update(from graph: CUDAGraph) throws(CUDAError) {
        var info = fs_cu_graph_exec_update_info()
        try context.driver.check(
            context.driver.api.pointee.cuGraphExecUpdate(handle, graph.handle, &info),
            "cuGraphExecUpdate (update result \(info.result))")
    }
}

extension CUDAStream {
    /// Records everything `body` issues on this stream into a graph instead of running it.
    /// Capture is thread-local: other threads' CUDA calls are not affected or forbidden.
    public func capture(_ body: () throws -> Void) throws -> CUDAGraph {
        let api = context.driver.api.pointee
        try context.driver.check(
            api.cuStreamBeginCapture(handle, Int32(FS_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)), "cuStreamBeginCapture")
        var bodyError: Error?
        do { try body() } catch { bodyError = error }
        var graph: CUgraph?
        let endStatus = api.cuStreamEndCapture(handle, &graph)
        if let bodyError {
            if let graph { _ = api.cuGraphDestroy(graph) }
            throw bodyError
        }
        try context.driver.check(endStatus, "cuStreamEndCapture")
        return CUDAGraph(context: context, handle: graph!)
    }
}
