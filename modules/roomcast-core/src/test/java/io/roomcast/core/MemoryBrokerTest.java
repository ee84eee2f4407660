package io.roomcast.core;

class MemoryBrokerTest extends BrokerContract {
  @Override
  protected Broker newBroker() {
    return new MemoryBroker();
  }

  @Override
  protected boolean sharedBetweenInstances() {
    return false;
  }
}
