package io.lmforge.serving;

/**
 * A request the server refuses, with its HTTP status and an OpenAI-style error body
 * ({@code {"error": {"message", "type", "param", "code"}}}).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;

    public ApiError(int status, String type, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400 invalid_request_error naming the field at fault. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
