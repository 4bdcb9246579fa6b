package io.blip2stream.cli;

import io.blip2stream.api.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CliConfigTest {

    @AfterEach
    void clear() {
        System.clearProperty("BLIP2_TOPIC_QUESTIONS");
        System.clearProperty("BLIP2_COMMIT_INTERVAL");
    }

    @Test
    void topicsComeFromApplicationPropertiesWithTheirDefaults() {
        WireTopics topics = WireTopics.of(CliConfig.settings());

        assertThat(topics).isEqualTo(new WireTopics("blip2.images", "blip2.questions", "blip2.captions", "blip2.answers"));
        assertThat(topics.resultTopic(Task.CAPTION)).isEqualTo("blip2.captions");
        assertThat(topics.resultTopic(Task.CHAT)).isEqualTo("blip2.answers");
    }

    @Test
    void theServicesVariablesOverrideTheTopicNames() {
        System.setProperty("BLIP2_TOPIC_QUESTIONS", "team-a.questions");

        WireTopics topics = WireTopics.of(CliConfig.settings());

        assertThat(topics.questions()).isEqualTo("team-a.questions");
        assertThat(topics.images()).isEqualTo("blip2.images");
    }

    @Test
    void readsTheMessageSizeLimit() {
        assertThat(CliConfig.settings().kafka().maxMessageBytes()).isEqualTo(10_485_760);
    }

    @Test
    void readsDurationsAsTheServiceDoes() {
        assertThat(CliConfig.settings().commit().interval()).isEqualTo(Duration.ofMillis(200));

        System.setProperty("BLIP2_COMMIT_INTERVAL", "1s");
        assertThat(CliConfig.settings().commit().interval()).isEqualTo(Duration.ofSeconds(1));
    }
}
