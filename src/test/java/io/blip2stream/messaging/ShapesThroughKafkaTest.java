package io.blip2stream.messaging;

import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.HeldOutShapes;
import io.blip2stream.testing.HeldOutShapes.Picture;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline judged by its answers: the service runs the trained shapes bundle, the
 * held-out shape pictures go in through both input topics (captions and a count question as
 * image records with headers, a colour question as a JSON question record), and the results read
 * back from Kafka must be right for at least the floor of each task: {@link #FLOOR} for colours
 * and counts, {@link #CAPTION_FLOOR} for captions naming colour and shape (the committed model
 * scores 1.0, 0.94 and 0.75 on the 48 pictures; the shape is what its short training learned least).
 */
@QuarkusTest
@TestProfile(ShapesThroughKafkaTest.ShapesBundle.class)
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ShapesThroughKafkaTest {

    static final double FLOOR = 0.9;
    static final double CAPTION_FLOOR = 0.7;

    /** The service on the trained shapes bundle. */
    public static class ShapesBundle implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("blip2.bundle", Fixtures.bundle(HeldOutShapes.BUNDLE).toString());
        }
    }

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    private final WireCodec codec = new WireCodec();

    /** One request: the picture it is about and how its answer is judged. */
    private record Asked(Picture picture, Task task, BiPredicate<Picture, String> right) {
    }

    @Test
    void heldOutShapesAreCaptionedAndAnsweredRightThroughKafka() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        List<Picture> pictures = HeldOutShapes.pictures();
        Map<String, Asked> asked = new HashMap<>();
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            for (int i = 0; i < pictures.size(); i++) {
                Picture p = pictures.get(i);
                byte[] image = p.bytes();
                String caption = "shapes-caption-" + i;
                kafka.send(KafkaTestClient.IMAGES, caption, image, KafkaTestClient.headers(WireHeaders.ID, caption));
                asked.put(caption, new Asked(p, Task.CAPTION, Picture::captionNamesColourAndShape));

                String count = "shapes-count-" + i;
                kafka.send(KafkaTestClient.IMAGES, count, image, KafkaTestClient.headers(WireHeaders.ID, count,
                        WireHeaders.TASK, "vqa", WireHeaders.QUESTION, p.question("count").question()));
                asked.put(count, new Asked(p, Task.VQA, (q, text) -> q.question("count").isAnsweredBy(text)));

                String colour = "shapes-colour-" + i;
                QuestionRequest request = new QuestionRequest(colour, Task.VQA, p.question("colour").question(), null,
                        null, new ImageRef(Base64.getEncoder().encodeToString(image), null), null);
                kafka.send(KafkaTestClient.QUESTIONS, colour, codec.encode(request), new RecordHeaders());
                asked.put(colour, new Asked(p, Task.VQA, (q, text) -> q.question("colour").isAnsweredBy(text)));
            }
            kafka.flush();
            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(120),
                    o -> o.results().size() + o.dlq.size() >= asked.size());
            assertThat(out.dlq).as("dead letters").isEmpty();

            Map<String, List<Boolean>> scores = new HashMap<>();
            List<String> wrong = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : out.results()) {
                WireResult result = codec.decodeResult(r.value());
                assertThat(result).as(new String(r.value(), StandardCharsets.UTF_8)).isInstanceOf(ResultRecord.class);
                ResultRecord rr = (ResultRecord) result;
                Asked a = asked.get(rr.id());
                assertThat(a).as("a result for an unknown id " + rr.id()).isNotNull();
                assertThat(rr.task()).isEqualTo(a.task());
                assertThat(rr.model()).isEqualTo(HeldOutShapes.BUNDLE);
                boolean right = a.right().test(a.picture(), rr.text());
                scores.computeIfAbsent(rr.id().substring(0, rr.id().lastIndexOf('-')), k -> new ArrayList<>()).add(right);
                if (!right) {
                    wrong.add(rr.id() + " " + a.picture().file() + ": " + rr.text().strip());
                }
            }
            assertThat(scores.keySet()).containsExactlyInAnyOrder("shapes-caption", "shapes-count", "shapes-colour");
            scores.forEach((task, rights) -> {
                assertThat(rights).as(task).hasSize(pictures.size());
                double accuracy = HeldOutShapes.accuracy(rights, Boolean::booleanValue);
                System.out.printf("shapes through Kafka: %s accuracy %.4f (%d pictures)%n", task, accuracy, rights.size());
                assertThat(accuracy).as("%s accuracy; wrong: %s", task, wrong)
                        .isGreaterThanOrEqualTo(task.equals("shapes-caption") ? CAPTION_FLOOR : FLOOR);
            });
        }
    }
}
