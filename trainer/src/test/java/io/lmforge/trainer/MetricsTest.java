package io.lmforge.trainer;

import io.lmforge.trainer.metrics.EvalReport;
import io.lmforge.trainer.metrics.PrometheusEndpoint;
import io.lmforge.trainer.metrics.StepReport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

    @Test
    void prometheusServesTheTrainingGauges() throws IOException, InterruptedException {
        try (PrometheusEndpoint endpoint = new PrometheusEndpoint("127.0.0.1", 0)) {
            endpoint.step(new StepReport(12, 100, 2.5, 2.4, 0.1, 3e-4, 0.75, 4096, 1234.5, 10, 90, false));
            endpoint.eval(new EvalReport(12, 2.7, 512, Map.of("web", new EvalReport.Domain(2.6, 256)), true));
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String body = r.body();
            for (String line : new String[]{"training_loss 2.5", "learning_rate 3.0E-4", "tokens_per_sec 1234.5",
                    "grad_norm 0.75", "training_step 12.0", "validation_loss 2.7",
                    "validation_loss_by_domain{domain=\"web\"} 2.6"}) {
                assertTrue(body.contains(line), line + " missing in\n" + body);
            }
        }
    }
}
