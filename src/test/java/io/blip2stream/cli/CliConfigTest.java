package io.blip2stream.cli;

import io.blip2stream.api.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CliConfigTest {

    @AfterEach
    void clear() {
        System.clearProperty("BLIP2_TOPIC_QUESTIONS");
    }

    @Test
    void topicsComeFromApplicationPropertiesWithTheirDefaults() {
        WireTopics topics = WireTopics.fromConfig(CliConfig.load());

        assertThat(topics).isEqualTo(WireTopics.DEFAULTS);
        assertThat(topics.resultTopic(Task.CAPTION)).isEqualTo("blip2.captions");
        assertThat(topics.resultTopic(Task.CHAT)).isEqualTo("blip2.answers");
    }

    @Test
    void theServicesVariablesOverrideTheTopicNames() {
        System.setProperty("BLIP2_TOPIC_QUESTIONS", "team-a.questions");

        WireTopics topics = WireTopics.fromConfig(CliConfig.load());

        assertThat(topics.questions()).isEqualTo("team-a.questions");
        assertThat(topics.images()).isEqualTo("blip2.images");
    }

    @Test
    void readsTheMessageSizeLimit() {
        assertThat(CliConfig.load().getValue("blip2.kafka.max-message-bytes", Integer.class)).isEqualTo(10_485_760);
    }
}
