package io.lmforge.cli.k8s;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD mock API server, with server-side apply creating an object that does not exist
 * yet, as a real API server does ({@code PATCH} with {@code application/apply-patch+yaml} is an
 * upsert). The mock answers 404 there instead, and Spark 4 creates the driver's service and
 * config maps by server-side apply after it has created the driver pod.
 */
class ApplyingCrudDispatcher extends KubernetesCrudDispatcher {
    /** Paths of the objects created by an apply, for the tests to see that this path was taken. */
    final java.util.List<String> createdByApply = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        byte[] body = request.getBody().getBytes();
        MockResponse response = super.handlePatch(request);
        String type = request.getHeader("Content-Type");
        if (response.code() != 404 || type == null || !type.startsWith("application/apply-patch")) {
            return response;
        }
        // .../namespaces/NS/services/NAME?fieldManager=... -> POST .../namespaces/NS/services
        String path = request.getPath();
        int query = path.indexOf('?');
        String resource = query < 0 ? path : path.substring(0, query);
        String collection = resource.substring(0, resource.lastIndexOf('/'));
        createdByApply.add(resource);
        return handleCreate(new RecordedRequest(request.getHttpVersion(), HttpMethod.POST, collection,
                request.getHeaders(), new Buffer(body)));
    }
}
