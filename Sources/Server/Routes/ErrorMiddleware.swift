// Turns every error a handler (or the router) throws into OpenAI's error JSON, so that no
// input, however malformed, gets anything but a well-formed error response.
import Hummingbird
import Logging

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let bodyLimit: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(thrown: error, request: request, bodyLimit: bodyLimit)
            if apiError.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path): \(apiError)")
            } else {
                context.logger.debug("\(request.method) \(request.uri.path): \(apiError.status.code) \(apiError)")
            }
            return apiError.response
        }
    }
}
