"""The eGov intake (``bolashak intake``): submissions from the portal as CloudEvents on an
inbound Kafka topic, each turned into ``submitApplication``; what cannot be goes to a
dead-letter topic and a table officers read (``intakeDeadLetters``)."""
