/* api_error.h: an error as an AWS JSON-1.1 client sees it: HTTP status,
 * the `__type` name from the service model (ClientException,
 * InvalidParameterException, ...) and a message that names the field. */
#ifndef BERTH_API_API_ERROR_H
#define BERTH_API_API_ERROR_H

struct api_error {
	int status;       /* HTTP status: 400, 403, 404, 413, 500 */
	char type[64];    /* "__type" */
	char message[1024];
};

/* Fill `e`; returns -1 so handlers can `return api_error_set(...)`. */
int api_error_set(struct api_error *e, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define api_client_error(e, ...) api_error_set((e), 400, "ClientException", __VA_ARGS__)
#define api_invalid_param(e, ...) api_error_set((e), 400, "InvalidParameterException", __VA_ARGS__)
#define api_server_error(e, ...) api_error_set((e), 500, "ServerException", __VA_ARGS__)

#endif
